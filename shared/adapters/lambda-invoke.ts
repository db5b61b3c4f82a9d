import type { InvokeCommandOutput, LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda";

type LambdaSdk = typeof import("@aws-sdk/client-lambda");

/**
 * Invokes a Lambda, synchronously (RequestResponse, the default) or not (Event: answered once Lambda has
 * queued it), and resolves to its answer, or to undefined when the function is at its concurrency
 * limit, for the caller to answer that.
 */
export type InvokeLambda = (
  functionName: string,
  payload: Uint8Array,
  type?: "RequestResponse" | "Event",
) => Promise<InvokeCommandOutput | undefined>;

/**
 * Invocations through the SDK's Lambda client, loaded and made on the first one: a router that only
 * answers reads never loads it, and no Lambda loads it at init. `config` is the client's; turn retries off (`maxAttempts: 1`): a retried
 * invocation after a lost answer would run the function twice.
 */
export function lambdaInvoke(config: LambdaClientConfig): InvokeLambda {
  let loaded: Promise<[LambdaSdk, LambdaClient]> | undefined;
  return async (functionName, payload, type = "RequestResponse") => {
    loaded ??= import("@aws-sdk/client-lambda").then((sdk) => [sdk, new sdk.LambdaClient(config)]);
    const [sdk, client] = await loaded;
    return client
      .send(new sdk.InvokeCommand({ FunctionName: functionName, Payload: payload, InvocationType: type }))
      .catch((error: unknown) => {
        if (error instanceof sdk.TooManyRequestsException) return undefined;
        throw error;
      });
  };
}
