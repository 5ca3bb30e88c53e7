import { LiveProgress } from '../core/live-progress';
import type { AuditProgress } from '../engine/audit';

const WIDTH = 30;
/** How often the line is redrawn between reports (the count and the time left move on). */
const TICK_MS = 250;

/** The audit's phases in order, as the window's running view names them. */
const PHASES: Record<AuditProgress['phase'], string> = {
  loading: 'Loading the model and the test set',
  inference: 'Running the model',
  metrics: 'Computing metrics and intervals',
};
const ORDER = Object.keys(PHASES) as AuditProgress['phase'][];

/**
 * A one-line progress bar for a TTY, with the window's phases: `[2/3] Running the model [###---]
 * 4,352/10,000 · 2,210 samples/s · 3 s left`. Between the engine's reports (a batch at a time) the
 * count moves on at the measured rate (at most one batch ahead) and the time left counts down,
 * re-estimated from the recent rate; a phase without a count shows how long it has run.
 */
export function createProgressBar(
  stream: NodeJS.WriteStream,
  clock: () => number = () => performance.now(),
): {
  update(progress: AuditProgress): void;
  clear(): void;
} {
  const live = new LiveProgress();
  let last: AuditProgress | null = null;
  let phaseStarted = clock();
  let drawn = false;
  let timer: NodeJS.Timeout | null = null;

  const draw = () => {
    if (!last) return;
    drawn = true;
    stream.write(`\r\x1b[K${describeProgress(last, live, clock(), phaseStarted)}`);
  };

  return {
    update(progress) {
      const now = clock();
      if (!last || last.phase !== progress.phase) phaseStarted = now;
      if (progress.done !== undefined && progress.total !== undefined && progress.total > 0) {
        live.observe(progress.done, progress.total, now);
      }
      last = progress;
      draw();
      if (!timer) {
        timer = setInterval(draw, TICK_MS);
        timer.unref();
      }
    },
    clear() {
      if (timer) clearInterval(timer);
      timer = null;
      last = null;
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** The line for one moment of an audit (exported for tests). */
export function describeProgress(
  progress: AuditProgress,
  live: LiveProgress,
  now: number,
  phaseStarted: number,
): string {
  const step = `[${ORDER.indexOf(progress.phase) + 1}/${ORDER.length}] ${PHASES[progress.phase]}`;
  const counted = progress.done !== undefined && progress.total !== undefined && progress.total > 0;
  if (!counted) {
    const seconds = Math.floor(Math.max(0, now - phaseStarted) / 1000);
    return `${step}... ${seconds} s`;
  }
  const total = progress.total as number;
  const done = Math.min(total, live.total === total ? live.shownDone(now) : (progress.done ?? 0));
  const filled = Math.round((done / total) * WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
  const unit =
    progress.phase === 'loading' ? 'files' : progress.phase === 'metrics' ? 'resamples' : 'samples';
  const rate = live.rate() ?? progress.rate ?? null;
  const eta = live.etaSeconds(now) ?? progress.etaSeconds ?? null;
  const parts = [`${step} [${bar}] ${count(done)}/${count(total)} ${unit}`];
  if (rate !== null && rate > 0) parts.push(`${count(rate)} ${unit}/s`);
  if (eta !== null) parts.push(`${formatSeconds(eta)} left`);
  return parts.join(' · ');
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m} m ${String(s % 60).padStart(2, '0')} s`
    : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}
