// libvirt's job model in miniature: operations on one domain run one after another, in the
// order they were asked for. An operation finishing synchronously when nothing is queued runs at
// once (the common case for the test driver); an asynchronous one holds the queue until it ends.

export class JobQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, job: () => T | Promise<T>): Promise<T> {
    const tail = this.tails.get(key);
    if (tail === undefined) {
      let result: T | Promise<T>;
      try {
        result = job();
      } catch (e) {
        return Promise.reject(e);
      }
      if (!(result instanceof Promise)) return Promise.resolve(result);
      this.hold(key, result);
      return result;
    }
    const next = tail.then(job);
    this.hold(key, next);
    return next;
  }

  /** Keeps later jobs behind `running` until it settles. */
  private hold(key: string, running: Promise<unknown>): void {
    const tail = running.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }
}
