import type { RoundReport } from "../core/fan-out.js";
import type { InvokeLambda } from "./lambda-invoke.js";

/** Runs a capacity refresh now: the router's `POST /v1/hosts/refresh`. */
export type Refresher = () => Promise<RoundReport>;

/** A refresh is already running (the refresh Lambda runs one at a time): answered 503, to retry. */
export class RefreshRunningError extends Error {
  constructor() {
    super("a capacity refresh is already running; retry in a few seconds");
  }
}

/**
 * How long a refresh the router waits for may take: the router answers within its 28 s (TIMEOUTS in
 * infra/citadel-stack.ts), so the refresh must end well before that, not at its own Lambda's 60 s.
 */
export const ROUTER_REFRESH_BUDGET_MS = 20_000;

/** In AWS the refresh runs in its own Lambda (inside the VPC that reaches the hosts): invoke it and wait. */
export function lambdaRefresher(lambda: InvokeLambda, functionName: string | undefined): Refresher {
  const asking = new TextEncoder().encode(JSON.stringify({ budget_ms: ROUTER_REFRESH_BUDGET_MS }));
  return async () => {
    if (!functionName) throw new Error("CITADEL_REFRESH_FUNCTION is not set");
    const response = await lambda(functionName, asking);
    if (!response) throw new RefreshRunningError();
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError) throw new Error(`refresh ${functionName} failed: ${payload}`);
    return JSON.parse(payload) as RoundReport;
  };
}
