/**
 * A stack's lifecycle as a chain of steps that starts at once and runs on its own, so that two
 * stacks (and checks that only read) proceed concurrently while the tests await the step whose
 * outcome they assert. A step starts when the one before it has succeeded; after a failure, every
 * later step rejects naming the step that failed. `stop` lets no further step start.
 */
export class Timeline {
  private last: Promise<unknown> = Promise.resolve();
  private failed: string | undefined;
  private stopped = false;
  readonly durations: { step: string; seconds: number }[] = [];

  constructor(readonly name: string) {}

  step<T>(name: string, run: () => Promise<T>): Promise<T> {
    const result = this.last.then(async () => {
      if (this.stopped) throw new Error(`${this.name}: "${name}" not run: the tests ended first`);
      if (this.failed) throw new Error(`${this.name}: "${name}" not run: "${this.failed}" failed before it`);
      const started = Date.now();
      try {
        return await run();
      } catch (err) {
        this.failed = name;
        throw err;
      } finally {
        this.durations.push({ step: `${this.name}: ${name}`, seconds: (Date.now() - started) / 1000 });
      }
    });
    // Keep the chain going past a failure (later steps report it), and never leave a rejection unhandled.
    this.last = result.catch(() => undefined);
    return result;
  }

  /** Lets no further step start; resolves once the running one is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.last;
  }
}
