/** The command's exit codes. */
export const EXIT = {
  ok: 0,
  /** The API answered an error, or could not be reached. */
  error: 1,
  /** A command, flag or value the command line or the API (400) does not take. */
  usage: 2,
  /** No host can take the container: the API's 409 `unschedulable`. */
  unschedulable: 3,
  /** Contention, an outage or a refresh already running (503, or API Gateway's 429): retry later. */
  retry: 4,
} as const;

/** Bad use of the command line found after parsing (conflicting flags, an endpoint that is no URL). */
export class UsageError extends Error {}

/** An answer of the API other than 2xx: its status, its body, and when to retry. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly retryAfter: string | null,
  ) {
    super(typeof body.message === "string" ? body.message : `the API answered ${status}`);
  }

  /** The exit code this answer means. */
  get exitCode(): number {
    if (this.status === 400) return EXIT.usage;
    if (this.status === 409 && this.body.error === "unschedulable") return EXIT.unschedulable;
    if (this.status === 503 || this.status === 429) return EXIT.retry;
    return EXIT.error;
  }
}
