/**
 * One operation at a time per app (deploy, config change, rollback, destroy; the dyno manager
 * keeps its own for dyno operations): Heroku queues
 * them too. Operations on different apps run side by side.
 */
export class AppLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(app: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(app) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(app, tail);
    void tail.then(() => {
      if (this.tails.get(app) === tail) this.tails.delete(app);
    });
    return next;
  }

  /** Resolves when every queued operation has finished (used on graceful close). */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
