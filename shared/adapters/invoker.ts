import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";

/** What the router sends a scheduler: the container request as sent, and how to treat it. */
export interface ScheduleEvent {
  type: string;
  container: Record<string, unknown>;
  idempotencyKey?: string;
  correlationId: string;
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

/** Invokes one Lambda per scheduler type, synchronously (RequestResponse). */
export class LambdaInvoker implements Invoker {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionNames: Record<string, string>,
  ) {}

  async invoke(event: ScheduleEvent): Promise<ScheduleResult> {
    const functionName = this.functionNames[event.type];
    if (!functionName) throw new Error(`no scheduler function is configured for type ${event.type}`);
    const response = await this.client.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
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
