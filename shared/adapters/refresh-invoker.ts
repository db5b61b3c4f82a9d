import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { RefreshReport } from "../core/refresh.js";

/** Runs a capacity refresh now: the router's `POST /v1/hosts/refresh`. */
export type Refresher = () => Promise<RefreshReport>;

/** In AWS the refresh runs in its own Lambda (inside the VPC that reaches the hosts): invoke it and wait. */
export function lambdaRefresher(client: LambdaClient, functionName: string | undefined): Refresher {
  return async () => {
    if (!functionName) throw new Error("CITADEL_REFRESH_FUNCTION is not set");
    const response = await client.send(
      new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode("{}") }),
    );
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError) throw new Error(`refresh ${functionName} failed: ${payload}`);
    return JSON.parse(payload) as RefreshReport;
  };
}
