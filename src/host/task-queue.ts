import { CancelledError } from '../engine/inference';

/** The host is doing as much as it takes: the caller may try again later (HTTP 429). */
export class BusyError extends Error {
  override readonly name = 'BusyError';
}

export interface TaskQueueOptions {
  /** Tasks (audits, fine-tunes) that run at once; default 1. */
  running?: number;
  /** Tasks that may wait for a turn; more are refused with a BusyError. Default 4. */
  waiting?: number;
}

/**
 * Bounded work: at most `running` audits or fine-tunes run at once on one host (by default one, so a
 * second does not make both ~2x slower); the next few wait their turn in order, told their place, and
 * any more are refused. A waiting task that is cancelled leaves the queue at once.
 */
export class TaskQueue {
  readonly running: number;
  readonly waiting: number;
  #active = 0;
  readonly #queue: { start: () => void; moved: (position: number) => void }[] = [];

  constructor({ running = 1, waiting = 4 }: TaskQueueOptions = {}) {
    this.running = running;
    this.waiting = waiting;
  }

  /** Throws a BusyError when a new task could neither run nor wait. */
  checkRoom(what: string): void {
    if (this.#active < this.running || this.#queue.length < this.waiting) return;
    throw new BusyError(
      `The host is busy: ${this.#active} task${this.#active === 1 ? '' : 's'} running and ${this.#queue.length} waiting; start this ${what} again when one has finished (or cancel one).`,
    );
  }

  /**
   * Waits for a turn; `onWait` hears the task's place in the queue (1 = next) each time it moves.
   * Resolves with the function that ends the turn; rejects with CancelledError when `signal` aborts
   * while waiting.
   */
  enter(signal: AbortSignal, onWait: (position: number) => void): Promise<() => void> {
    const release = once(() => {
      this.#active--;
      const next = this.#queue.shift();
      this.#queue.forEach((entry, i) => entry.moved(i + 1));
      next?.start();
    });
    if (this.#active < this.running && this.#queue.length === 0) {
      this.#active++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          signal.removeEventListener('abort', abort);
          this.#active++;
          resolve(release);
        },
        moved: onWait,
      };
      const abort = () => {
        const at = this.#queue.indexOf(entry);
        if (at >= 0) this.#queue.splice(at, 1);
        this.#queue.forEach((other, i) => i >= at && other.moved(i + 1));
        reject(new CancelledError());
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      this.#queue.push(entry);
      onWait(this.#queue.length);
    });
  }

  /** Tasks running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#active, waiting: this.#queue.length };
  }
}

function once(run: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    run();
  };
}
