import { describe, expect, it } from 'vitest';
import { negativeLogLikelihoodFromLogits } from '../../src/core/metrics';
import { applyTemperature, fitTemperature, MIN_TEMPERATURE } from '../../src/core/temperature';
import { syntheticPredictions } from './synthetic';

describe('fitTemperature', () => {
  it('recovers the temperature of a model whose logits are scaled', () => {
    // Logits 6·u where 3·u is calibrated: the NLL-optimal temperature is about 2.
    const p = syntheticPredictions(20000, 5, 1, { margin: 3, scale: 6 });
    const fit = fitTemperature(p.logits!, p.labels, 5);
    expect(fit.temperature).toBeGreaterThan(1.85);
    expect(fit.temperature).toBeLessThan(2.15);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
  });

  it('finds a minimum of the NLL', () => {
    const p = syntheticPredictions(3000, 4, 2, { scale: 2 });
    const { temperature, nllAfter } = fitTemperature(p.logits!, p.labels, 4);
    const nllAt = (t: number) =>
      negativeLogLikelihoodFromLogits(
        Float32Array.from(p.logits!, (z) => z / t),
        p.labels,
        4,
      );
    expect(nllAt(temperature)).toBeCloseTo(nllAfter, 6);
    expect(nllAt(temperature * 1.05)).toBeGreaterThan(nllAfter);
    expect(nllAt(temperature / 1.05)).toBeGreaterThan(nllAfter);
  });

  it('stays inside [0.05, 20] when the data push it out', () => {
    // Always right with a margin: sharper is always better, so T hits the lower end.
    const fit = fitTemperature([2, 0, 0, 2], [0, 1], 2);
    expect(fit.temperature).toBeCloseTo(MIN_TEMPERATURE, 9);
  });
});

describe('applyTemperature', () => {
  it('is softmax(z / T)', () => {
    // z = (2, 0), T = 2: softmax(1, 0) = (e/(e + 1), 1/(e + 1)) = (0.731059, 0.268941).
    const p = applyTemperature([2, 0], 2, 2);
    expect(p[0]).toBeCloseTo(0.731059, 6);
    expect(p[1]).toBeCloseTo(0.268941, 6);
  });
});
