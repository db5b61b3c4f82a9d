import type { InvokeLambda } from "./lambda-invoke.js";

/** What the router sends a scheduler: the container request as sent, and how to treat it. */
export interface ScheduleEvent {
  type: string;
  container: Record<string, unknown>;
  /** The caller's key: it is theirs alone (see `caller`). */
  idempotencyKey?: string;
  /** Who sent the request, as the API authenticated them (see callerOf): the scope of their idempotency keys. */
  caller: string;
  correlationId: string;
  /** The API request this invocation serves; a duplicated delivery of the invocation carries the same. */
  deliveryId: string;
}

/** A scheduler's answer, already in HTTP terms: the router passes it through. */
export interface ScheduleResult {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Calls the scheduler Lambda of a type: the Lambda client in AWS, a function call locally. */
export interface Invoker {
  invoke(event: ScheduleEvent): Promise<ScheduleResult>;
}

/**
 * Invokes one Lambda per scheduler type, synchronously (RequestResponse). A scheduler at its reserved
 * concurrency answers 503, for the caller to retry.
 */
export class LambdaInvoker implements Invoker {
  constructor(
    private readonly lambda: InvokeLambda,
    private readonly functionNames: Record<string, string>,
  ) {}

  async invoke(event: ScheduleEvent): Promise<ScheduleResult> {
    const functionName = this.functionNames[event.type];
    if (!functionName) throw new Error(`no scheduler function is configured for type ${event.type}`);
    const response = await this.lambda(functionName, new TextEncoder().encode(JSON.stringify(event)));
    if (!response) {
      return {
        statusCode: 503,
        headers: { "retry-after": "1" },
        body: {
          error: "unavailable",
          message: `the ${event.type} scheduler is at its concurrency limit; retry`,
        },
      };
    }
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError) throw new Error(`scheduler ${functionName} failed: ${payload}`);
    return JSON.parse(payload) as ScheduleResult;
  }
}

/**
 * Calls a scheduler handler in this process, through JSON as the Lambda service would, so that
 * nothing passes locally that would not pass in AWS.
 */
export class InProcessInvoker implements Invoker {
  constructor(private readonly scheduler: (event: ScheduleEvent) => Promise<ScheduleResult>) {}

  async invoke(event: ScheduleEvent): Promise<ScheduleResult> {
    const result = await this.scheduler(JSON.parse(JSON.stringify(event)));
    return JSON.parse(JSON.stringify(result)) as ScheduleResult;
  }
}
