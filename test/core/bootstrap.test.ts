import { describe, expect, it } from 'vitest';
import {
  bootstrapIntervals,
  bootstrapMetricSamples,
  pairedBootstrapDeltas,
} from '../../src/core/bootstrap';
import { computePointEstimates } from '../../src/core/point-estimates';
import { applyTemperature, fitTemperature } from '../../src/core/temperature';
import { METRIC_NAMES } from '../../src/core/types';
import { syntheticPredictions } from './synthetic';

describe('bootstrapIntervals', () => {
  const predictions = syntheticPredictions(3000, 5, 1);
  const point = computePointEstimates(predictions, 15);

  it('gives identical intervals for the same seed and different ones for another', () => {
    const a = bootstrapIntervals(point.data!, 200, 7);
    const b = bootstrapIntervals(point.data!, 200, 7);
    const c = bootstrapIntervals(point.data!, 200, 8);
    expect(b).toEqual(a);
    expect(c.ece).not.toEqual(a.ece);
    expect(c.accuracy).not.toEqual(a.accuracy);
  });

  it('brackets the point estimate on reasonable data', () => {
    const intervals = bootstrapIntervals(point.data!, 400, 1);
    for (const name of METRIC_NAMES) {
      const [lo, hi] = intervals[name];
      expect(lo, name).toBeLessThanOrEqual(hi);
      expect(point.values[name], name).toBeGreaterThanOrEqual(lo);
      expect(point.values[name], name).toBeLessThanOrEqual(hi);
    }
  });

  it('gives a narrower interval with more samples', () => {
    const big = computePointEstimates(syntheticPredictions(12000, 5, 2), 15);
    const width = (r: [number, number]) => r[1] - r[0];
    const small = bootstrapIntervals(point.data!, 300, 3);
    const large = bootstrapIntervals(big.data!, 300, 3);
    expect(width(large.accuracy)).toBeLessThan(width(small.accuracy));
  });
});

describe('bootstrapMetricSamples', () => {
  it('gives the same resamples however they are divided between callers', () => {
    const data = computePointEstimates(syntheticPredictions(400, 4, 5), 15).data!;
    const whole = bootstrapMetricSamples(data, 60, 9);
    const first = bootstrapMetricSamples(data, 60, 9, 0, 25);
    const rest = bootstrapMetricSamples(data, 60, 9, 25, 60);
    METRIC_NAMES.forEach((name, m) => {
      expect(Array.from(first[m]).concat(Array.from(rest[m])), name).toEqual(Array.from(whole[m]));
    });
    expect(new Set(Array.from(whole[0])).size).toBeGreaterThan(10);
  });
});

describe('pairedBootstrapDeltas', () => {
  // Logits 6·u where 3·u would be calibrated: temperature about 2.
  const predictions = syntheticPredictions(2000, 4, 5, { scale: 6 });

  it('is exactly 0 comparing a model with itself', () => {
    const deltas = pairedBootstrapDeltas(predictions, predictions, { bootstrapResamples: 100 });
    for (const name of METRIC_NAMES) {
      expect(deltas[name].value, name).toBe(0);
      expect(deltas[name].ci95, name).toEqual([0, 0]);
    }
  });

  it('sees temperature scaling lower the ECE of an overconfident model', () => {
    const fit = fitTemperature(predictions.logits!, predictions.labels, 4);
    expect(fit.temperature).toBeGreaterThan(1.7);
    expect(fit.temperature).toBeLessThan(2.3);
    const scaledLogits = Float32Array.from(predictions.logits!, (z) => z / fit.temperature);
    const scaled = {
      ...predictions,
      logits: scaledLogits,
      probs: applyTemperature(predictions.logits!, 4, fit.temperature),
    };
    const deltas = pairedBootstrapDeltas(predictions, scaled, { bootstrapResamples: 300, seed: 1 });
    expect(deltas.ece.value).toBeLessThan(0);
    expect(deltas.ece.ci95[1]).toBeLessThan(0);
    expect(deltas.nll.value).toBeLessThan(0);
    // Temperature never changes the top-1 prediction, so accuracy cannot move.
    expect(deltas.accuracy.value).toBe(0);
    expect(deltas.accuracy.ci95).toEqual([0, 0]);
  });

  it('rejects prediction sets of different samples', () => {
    const other = syntheticPredictions(2000, 4, 6);
    expect(() => pairedBootstrapDeltas(predictions, other)).toThrow(/label of sample/);
  });
});
