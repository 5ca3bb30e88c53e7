import { describe, expect, it } from 'vitest';
import { LiveProgress } from '../../src/core/live-progress';

describe('LiveProgress', () => {
  it('moves a count reported in steps of 256 on smoothly, never past the next step or the total', () => {
    const live = new LiveProgress();
    live.observe(0, 1000, 0);
    expect(live.rate()).toBeNull();
    expect(live.etaSeconds(500)).toBeNull();
    live.observe(256, 1000, 1000);
    expect(live.rate()).toBeCloseTo(256);
    // Half a second after the report: about 128 more, not a jump of 256.
    expect(live.shownDone(1500)).toBe(384);
    // Long after, it waits at one step past the report.
    expect(live.shownDone(60_000)).toBe(512);
    live.observe(768, 1000, 3000);
    expect(live.shownDone(10_000)).toBe(1000);
  });

  it('counts the time left down between reports and re-estimates it when the pace changes', () => {
    const live = new LiveProgress();
    live.observe(0, 1000, 0);
    live.observe(100, 1000, 1000);
    const early = live.etaSeconds(1000) ?? NaN;
    expect(early).toBeCloseTo(9);
    expect(live.etaSeconds(1500) ?? NaN).toBeLessThan(early);
    // Slower from here on: once the fast start has left the window, the estimate follows.
    for (let t = 2; t <= 40; t++) live.observe(100 + (t - 1) * 10, 1000, t * 1000);
    expect(live.rate()).toBeCloseTo(10, 0);
    expect(live.etaSeconds(40_000) ?? NaN).toBeCloseTo((1000 - 490) / 10, 0);
  });

  it('starts afresh when the count goes back or the total changes (the next phase or epoch)', () => {
    const live = new LiveProgress();
    live.observe(0, 100, 0);
    live.observe(90, 100, 9000);
    live.observe(5, 50, 10_000);
    expect(live.total).toBe(50);
    expect(live.rate()).toBeNull();
    expect(live.elapsedSeconds(12_000)).toBe(2);
  });
});
