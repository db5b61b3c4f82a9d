import { InvokeCommand, type LambdaClient, TooManyRequestsException } from "@aws-sdk/client-lambda";
import type { RefreshReport } from "../core/refresh.js";

/** Runs a capacity refresh now: the router's `POST /v1/hosts/refresh`. */
export type Refresher = () => Promise<RefreshReport>;

/** A refresh is already running (the refresh Lambda runs one at a time): answered 503, to retry. */
export class RefreshRunningError extends Error {
  constructor() {
    super("a capacity refresh is already running; retry in a few seconds");
  }
}

/** In AWS the refresh runs in its own Lambda (inside the VPC that reaches the hosts): invoke it and wait. */
export function lambdaRefresher(client: LambdaClient, functionName: string | undefined): Refresher {
  return async () => {
    if (!functionName) throw new Error("CITADEL_REFRESH_FUNCTION is not set");
    const response = await client
      .send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode("{}") }))
      .catch((error: unknown) => {
        throw error instanceof TooManyRequestsException ? new RefreshRunningError() : error;
      });
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError) throw new Error(`refresh ${functionName} failed: ${payload}`);
    return JSON.parse(payload) as RefreshReport;
  };
}
