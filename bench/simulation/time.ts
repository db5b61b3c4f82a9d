/**
 * Virtual time for schedulers that run as concurrent tasks: a task that reaches the arbiter waits here
 * until every other task has reached a later time, so that the arbiter sees reads and writes in time order.
 */
export class VirtualTime {
  private readonly waiting: { at: number; resume: () => void }[] = [];
  private active = 0;

  /** Runs `tasks` to completion, one at a time, always resuming the one with the earliest time. */
  async run(tasks: (() => Promise<void>)[]): Promise<void> {
    this.active = tasks.length;
    await Promise.all(
      tasks.map(async (task) => {
        await task();
        this.active--;
        this.next();
      }),
    );
  }

  /** Suspends the calling task until `at` is the earliest time any task waits for. */
  until(at: number): Promise<void> {
    return new Promise((resume) => {
      this.waiting.push({ at, resume });
      this.next();
    });
  }

  private next(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.active) return;
    let earliest = 0;
    for (const [index, entry] of this.waiting.entries()) {
      if (entry.at < (this.waiting[earliest]?.at ?? 0)) earliest = index;
    }
    const [entry] = this.waiting.splice(earliest, 1);
    entry?.resume();
  }
}
