/**
 * Restart coalescing. Requests that arrive before a restart has begun, or while one is running and ask to join it
 * (the `greenlint.restart` command: nothing new to pick up), share that restart. Requests that arrive while one
 * is running and ask to follow it (a setting or the interpreter changed after it read them) share ONE further
 * restart. So a burst of requests gives one restart, never a queue of them. Pure: no VS Code.
 */

export type RestartMode = 'join' | 'follow';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class RestartCoalescer {
  /** The restart waiting for its delay (or for the running one) to end; later requests join it. */
  private scheduled: Deferred | undefined;
  private timer: unknown;
  /** The restart under way. */
  private running: Promise<void> | undefined;
  private disposed = false;
  /** How many restarts ran (for tests and logs). */
  public runs = 0;

  constructor(
    private readonly restart: () => Promise<void>,
    private readonly delayMs = 50,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Ask for a restart; resolves when the restart that serves this request has finished. */
  request(mode: RestartMode = 'follow'): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.scheduled !== undefined) return this.scheduled.promise;
    if (this.running !== undefined && mode === 'join') return this.running;
    const next = deferred();
    this.scheduled = next;
    if (this.running === undefined) {
      this.arm();
    }
    // else: armed when the running restart ends (see run).
    return next.promise;
  }

  /** True while a restart is scheduled or running. */
  get busy(): boolean {
    return this.scheduled !== undefined || this.running !== undefined;
  }

  /** Cancels a scheduled restart (its callers resolve) and refuses new ones; a running restart finishes. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const scheduled = this.scheduled;
    this.scheduled = undefined;
    scheduled?.resolve();
  }

  /** A request arrived while the restart ran (checked after an await: not narrowed away). */
  private pending(): boolean {
    return this.scheduled !== undefined && !this.disposed;
  }

  private arm(): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.delayMs);
  }

  private async run(): Promise<void> {
    const current = this.scheduled;
    if (current === undefined) return;
    this.scheduled = undefined;
    this.runs += 1;
    const running = (async () => this.restart())();
    this.running = running.then(
      () => undefined,
      () => undefined,
    );
    try {
      await running;
      current.resolve();
    } catch (error) {
      current.reject(error);
    } finally {
      this.running = undefined;
      if (this.pending()) this.arm();
    }
  }
}
