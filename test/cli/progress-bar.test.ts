import { describe, expect, it } from 'vitest';
import { createProgressBar, describeProgress } from '../../src/cli/progress-bar';
import { LiveProgress } from '../../src/core/live-progress';

describe('the command line progress bar', () => {
  it('names the phase of three, and how long a phase without a count has run', () => {
    const live = new LiveProgress();
    expect(describeProgress({ phase: 'loading' }, live, 4200, 0)).toBe(
      '[1/3] Loading the model and the test set... 4 s',
    );
    expect(describeProgress({ phase: 'metrics' }, live, 1000, 0)).toBe(
      '[3/3] Computing metrics and intervals... 1 s',
    );
  });

  it('moves the count on between batches and counts the time left down', () => {
    const live = new LiveProgress();
    live.observe(0, 10_000, 0);
    live.observe(256, 10_000, 1000);
    const progress = { phase: 'inference' as const, done: 256, total: 10_000 };
    const at1 = describeProgress(progress, live, 1000, 0);
    expect(at1).toMatch(
      /^\[2\/3\] Running the model \[#?-+\] 256\/10,000 samples · 256 samples\/s · 39 s left$/,
    );
    // Half a second later, before the next report: 128 more, and half a second less.
    expect(describeProgress(progress, live, 1500, 0)).toMatch(
      / 384\/10,000 samples · .* 38 s left$/,
    );
    expect(describeProgress(progress, live, 2100, 0)).toMatch(
      / 512\/10,000 samples · .* 38 s left$/,
    );
  });

  it('redraws in place on a TTY-like stream and clears its line', () => {
    const written: string[] = [];
    const stream = { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    let now = 0;
    const bar = createProgressBar(stream, () => now);
    bar.update({ phase: 'loading', done: 3, total: 10 });
    now = 1000;
    bar.update({ phase: 'loading', done: 6, total: 10 });
    bar.clear();
    expect(written[0]).toBe(
      '\r\x1b[K[1/3] Loading the model and the test set [#########---------------------] 3/10 files',
    );
    expect(written[1]).toMatch(/6\/10 files · 3 files\/s · 2 s left$/);
    expect(written.at(-1)).toBe('\r\x1b[K');
  });
});
