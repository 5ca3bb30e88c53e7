import { describe, expect, it } from 'vitest';
import { corpReliability } from '../../src/core/corp';
import { Rng } from '../../src/core/random';
import { correctness, topLabel } from '../../src/core/samples';
import { syntheticPredictions } from './synthetic';

function topOf(n: number, seed: number, scale: number) {
  const p = syntheticPredictions(n, 5, seed, { margin: 2, scale });
  const top = topLabel(p.probs, 5);
  return { confidence: top.confidence, correct: correctness(top.prediction, p.labels) };
}

describe('corpReliability', () => {
  it('decomposes the Brier and log scores exactly: MCB − DSC + UNC = score (to 1e-9)', () => {
    for (const [seed, scale] of [
      [1, 4],
      [2, 1],
      [3, 2],
    ]) {
      const { confidence, correct } = topOf(3000, seed, scale);
      const corp = corpReliability(confidence, correct, { resamples: 0 });
      let brier = 0;
      let log = 0;
      for (let i = 0; i < confidence.length; i++) {
        const y = correct[i] ? 1 : 0;
        brier += (confidence[i] - y) ** 2;
        const c = Math.min(Math.max(confidence[i], 1e-7), 1 - 1e-7);
        log -= Math.log(y ? c : 1 - c);
      }
      brier /= confidence.length;
      log /= confidence.length;
      for (const [d, score] of [
        [corp.brier, brier],
        [corp.logScore, log],
      ] as const) {
        expect(Math.abs(d.score - score)).toBeLessThan(1e-9);
        expect(Math.abs(d.mcb - d.dsc + d.unc - d.score)).toBeLessThan(1e-9);
        expect(d.mcb).toBeGreaterThanOrEqual(-1e-12);
        expect(d.dsc).toBeGreaterThanOrEqual(-1e-12);
      }
      const acc = correct.reduce((s, c) => s + (c ? 1 : 0), 0) / correct.length;
      expect(corp.brier.unc).toBeCloseTo(acc * (1 - acc), 12);
      expect(corp.logScore.unc).toBeCloseTo(
        -(acc * Math.log(acc) + (1 - acc) * Math.log(1 - acc)),
        12,
      );
    }
  });

  it('gives a non-decreasing curve inside [0, 1] over the confidences', () => {
    const { confidence, correct } = topOf(2000, 4, 4);
    const { curve } = corpReliability(confidence, correct, { resamples: 0 });
    expect(curve.x.length).toBe(curve.y.length);
    for (let j = 1; j < curve.x.length; j++) {
      expect(curve.x[j]).toBeGreaterThan(curve.x[j - 1]);
      expect(curve.y[j]).toBeGreaterThanOrEqual(curve.y[j - 1]);
    }
    expect(curve.x[0]).toBe(Math.min(...confidence));
    expect(curve.x[curve.x.length - 1]).toBe(Math.max(...confidence));
  });

  it('shows an overconfident model below the diagonal and outside the band of a calibrated one', () => {
    const { confidence, correct } = topOf(4000, 5, 5);
    const corp = corpReliability(confidence, correct, { resamples: 200, seed: 1 });
    expect(corp.brier.mcb).toBeGreaterThan(0.005);
    const band = corp.band!;
    let outside = 0;
    corp.curve.x.forEach((x, j) => {
      expect(band.lower[j]).toBeLessThanOrEqual(band.upper[j]);
      if (corp.curve.y[j] < band.lower[j]) outside++;
    });
    expect(outside / corp.curve.x.length).toBeGreaterThan(0.3);
  });

  it('keeps a calibrated model inside its band nearly everywhere', () => {
    // Outcomes drawn from the confidences themselves: calibrated by construction.
    const rng = new Rng(9);
    const n = 4000;
    const confidence = Float64Array.from({ length: n }, () => 0.2 + 0.8 * rng.nextFloat());
    const correct = Uint8Array.from(confidence, (c) => (rng.nextFloat() < c ? 1 : 0));
    const corp = corpReliability(confidence, correct, { resamples: 300, seed: 2 });
    const band = corp.band!;
    let inside = 0;
    corp.curve.x.forEach((_, j) => {
      if (corp.curve.y[j] >= band.lower[j] - 1e-12 && corp.curve.y[j] <= band.upper[j] + 1e-12)
        inside++;
    });
    expect(inside / corp.curve.x.length).toBeGreaterThan(0.8);
    expect(corp.brier.mcb).toBeLessThan(0.005);
    expect(band.level).toBe(0.9);
  });

  it('is the same for the same seed and refuses empty or mismatched input', () => {
    const { confidence, correct } = topOf(500, 6, 3);
    expect(corpReliability(confidence, correct, { resamples: 50, seed: 3 })).toEqual(
      corpReliability(confidence, correct, { resamples: 50, seed: 3 }),
    );
    expect(() => corpReliability([], [])).toThrow(/no samples/);
    expect(() => corpReliability([0.5], [1, 0])).toThrow(/correctness has 2/);
  });

  it('draws the band from Bernoulli(c): one pooled confidence gives the binomial quantiles', () => {
    // Every confidence equal: the PAV refit is the draw's mean, Binomial(n, c)/n, whose 5% and
    // 95% quantiles are about c ∓ 1.645·sqrt(c(1 − c)/n). Both sides of 1/2 (the draw thins the
    // rarer outcome: wrong above 1/2, right below).
    const n = 4000;
    for (const c of [0.97, 0.2, 0.5]) {
      const corp = corpReliability(new Array(n).fill(c), new Array(n).fill(1), {
        resamples: 2000,
        seed: 5,
      });
      const half = 1.645 * Math.sqrt((c * (1 - c)) / n);
      const band = corp.band!;
      expect(band.lower[0]).toBeCloseTo(c - half, 2);
      expect(band.upper[0]).toBeCloseTo(c + half, 2);
      expect(Math.abs(band.upper[0] - band.lower[0] - 2 * half) / (2 * half)).toBeLessThan(0.12);
    }
  });
});
