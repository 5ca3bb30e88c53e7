import type { AuditProgress } from '../engine/audit';

const WIDTH = 30;

/** A one-line progress bar for a TTY: done/total, rate and time left, redrawn in place. */
export function createProgressBar(stream: NodeJS.WriteStream): {
  update(progress: AuditProgress): void;
  clear(): void;
} {
  let lastDraw = 0;
  let drawn = false;
  return {
    update(progress) {
      const now = Date.now();
      if (now - lastDraw < 100 && progress.done !== progress.total) return;
      lastDraw = now;
      drawn = true;
      stream.write(`\r\x1b[K${describe(progress)}`);
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

function describe(progress: AuditProgress): string {
  if (progress.phase === 'loading') {
    return progress.total
      ? `Reading the test set: ${progress.done ?? 0}/${progress.total} files...`
      : 'Loading model and test set...';
  }
  if (progress.phase === 'metrics') return 'Computing metrics and bootstrap intervals...';
  const done = progress.done ?? 0;
  const total = progress.total ?? 0;
  const filled = total > 0 ? Math.round((done / total) * WIDTH) : 0;
  const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
  const rate = progress.rate ? `${Math.round(progress.rate)} img/s` : '';
  const eta = progress.etaSeconds != null ? `${Math.ceil(progress.etaSeconds)} s left` : '';
  return `[${bar}] ${done}/${total} ${rate} ${eta}`.trimEnd();
}
