/** Reports older than this no longer count toward the rate (so it follows a slowdown or a speed-up). */
const RATE_WINDOW_MS = 15_000;

interface Report {
  done: number;
  at: number;
}

/**
 * Done / total, rate and time left of one phase, from reports that arrive in steps (a batch of 256
 * images, an epoch's share, a file uploaded). Between reports the count moves on at the measured rate,
 * but never further than one step past the last report, so it reads as a smooth count rather than
 * jumps; the time left is re-estimated at every tick from the recent rate, so it counts down live and
 * follows a change of pace. Times are in milliseconds (performance.now()).
 */
export class LiveProgress {
  #reports: Report[] = [];
  #total = 0;
  #step = 0;
  #startedAt: number | null = null;

  /** A report of `done` of `total`; a count that goes back or a new total starts the phase afresh. */
  observe(done: number, total: number, at: number): void {
    const last = this.#reports.at(-1);
    if (!last || done < last.done || total !== this.#total) {
      this.#reports = [];
      this.#step = 0;
      this.#startedAt = at;
    }
    const previous = this.#reports.at(-1);
    if (previous) this.#step = Math.max(this.#step, done - previous.done);
    this.#total = total;
    this.#reports.push({ done, at });
    while (this.#reports.length > 2 && this.#reports[0].at < at - RATE_WINDOW_MS) {
      this.#reports.shift();
    }
  }

  get total(): number {
    return this.#total;
  }

  /** Items per second over the recent reports (counted from the phase's start for the first one); null before any work. */
  rate(): number | null {
    const last = this.#reports.at(-1);
    if (!last) return null;
    const first = this.#reports.length > 1 ? this.#reports[0] : { done: 0, at: this.#startedAt };
    if (first.at === null) return null;
    const seconds = (last.at - first.at) / 1000;
    const items = last.done - first.done;
    return seconds > 0 && items > 0 ? items / seconds : null;
  }

  /** The count to show at `now`: the last report moved on at the rate, at most one step, at most the total. */
  shownDone(now: number): number {
    const last = this.#reports.at(-1);
    if (!last) return 0;
    const rate = this.rate();
    if (rate === null || this.#step === 0) return last.done;
    const ahead = Math.min(this.#step, (rate * Math.max(0, now - last.at)) / 1000);
    return Math.min(this.#total, last.done + Math.floor(ahead));
  }

  /** Seconds left at `now` at the recent rate; null until a rate is known. */
  etaSeconds(now: number): number | null {
    const rate = this.rate();
    if (rate === null || this.#total <= 0) return null;
    return Math.max(0, (this.#total - this.shownDone(now)) / rate);
  }

  /** Seconds since the phase started. */
  elapsedSeconds(now: number): number {
    return this.#startedAt === null ? 0 : Math.max(0, (now - this.#startedAt) / 1000);
  }
}
