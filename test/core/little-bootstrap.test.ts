import { describe, expect, it } from 'vitest';
import { bootstrapIntervals, pairedBootstrapDeltas } from '../../src/core/bootstrap';
import {
  littleBootstrapIntervals,
  littleBootstrapPlan,
  littleBootstrapRows,
  pairedLittleBootstrapIntervals,
} from '../../src/core/little-bootstrap';
import { computePointEstimates, LARGE_SAMPLE_THRESHOLD } from '../../src/core/point-estimates';
import { auditPredictions, intervalMethodOf, prepareAudit } from '../../src/core/report';
import { applyTemperature } from '../../src/core/temperature';
import { METRIC_NAMES, type MetricName } from '../../src/core/types';
import { syntheticPredictions } from './synthetic';

describe('bag of little bootstraps', () => {
  it('plans s subsets of n^0.7 rows and r resamples each, s·r >= the resamples asked for', () => {
    expect(littleBootstrapPlan(10_000_000, 1000)).toEqual({
      sampleCount: 10_000_000,
      subsets: 10,
      subsetSize: Math.ceil(10_000_000 ** 0.7),
      resamplesPerSubset: 100,
    });
    expect(littleBootstrapPlan(5000, 3)).toMatchObject({ subsets: 3, resamplesPerSubset: 1 });
  });

  it('draws each subset without replacement, ascending, reproducibly per seed', () => {
    const plan = littleBootstrapPlan(100_000, 1000);
    const rows = littleBootstrapRows(plan, 4, 2);
    expect(rows.length).toBe(plan.subsetSize);
    for (let t = 1; t < rows.length; t++) expect(rows[t]).toBeGreaterThan(rows[t - 1]);
    expect(rows[0]).toBeGreaterThanOrEqual(0);
    expect(rows[rows.length - 1]).toBeLessThan(100_000);
    expect(littleBootstrapRows(plan, 4, 2)).toEqual(rows);
    expect(littleBootstrapRows(plan, 4, 3)).not.toEqual(rows);
  });

  it("agrees with the exact bootstrap's 95% intervals on 50,000 samples", () => {
    // Real computation on both sides, 1,000 resamples each. Tolerance: each end within a quarter
    // of the exact interval's width (measured: within 0.14). MCE is the exception: its exact
    // interval comes from bins with a handful of samples, which a subset of n^0.7 rows rarely
    // holds; the little bootstrap only bounds it from the populated bins (docs/architecture.md).
    const predictions = syntheticPredictions(50_000, 5, 3);
    const point = computePointEstimates(predictions, 15, true);
    const exact = bootstrapIntervals(point.data!, 1000, 1);
    const little = littleBootstrapIntervals(predictions, point.values, {
      binCount: 15,
      smoothBandwidth: point.smoothBandwidth,
      resamples: 1000,
      seed: 1,
    });
    for (const name of METRIC_NAMES) {
      if (name === 'mce') continue;
      const [lo, hi] = exact[name];
      const width = hi - lo;
      expect(width, name).toBeGreaterThan(0);
      expect(Math.abs(little[name][0] - lo) / width, `${name} lower`).toBeLessThan(0.25);
      expect(Math.abs(little[name][1] - hi) / width, `${name} upper`).toBeLessThan(0.25);
    }
    const again = littleBootstrapIntervals(predictions, point.values, {
      binCount: 15,
      smoothBandwidth: point.smoothBandwidth,
      resamples: 1000,
      seed: 1,
    });
    expect(again).toEqual(little);
  });

  it('gives the same point estimates by the direct functions as by the one-pass evaluator', () => {
    for (const withLogits of [true, false]) {
      const predictions = syntheticPredictions(20_000, 4, 9);
      if (!withLogits) predictions.logits = null;
      const evaluated = computePointEstimates(predictions, 15, true);
      const direct = computePointEstimates(predictions, 15, false);
      expect(direct.data).toBeNull();
      for (const name of METRIC_NAMES) {
        expect(Math.abs(direct.values[name] - evaluated.values[name]), name).toBeLessThan(1e-9);
      }
      for (let k = 0; k < 4; k++) {
        expect(direct.classwisePerClass[k]).toBeCloseTo(evaluated.classwisePerClass[k], 12);
      }
    }
  });

  it('is what the audit uses above LARGE_SAMPLE_THRESHOLD samples, with a CORP diagram but no band', () => {
    const n = LARGE_SAMPLE_THRESHOLD + 1;
    const predictions = syntheticPredictions(n, 2, 21);
    const report = auditPredictions(predictions, { bootstrapResamples: 20 });
    expect(report.intervalMethod).toEqual({
      method: 'bag-of-little-bootstraps',
      threshold: LARGE_SAMPLE_THRESHOLD,
      subsets: 10,
      subsetSize: Math.ceil(n ** 0.7),
      resamplesPerSubset: 2,
    });
    for (const name of ['accuracy', 'ece', 'nll', 'aurc'] as const) {
      const { value, ci95 } = report.metrics[name];
      expect(ci95[0], name).toBeLessThan(ci95[1]);
      // An interval of a million samples is narrow around the value.
      expect(ci95[1] - ci95[0], name).toBeLessThan(0.02 * Math.max(value, 0.05));
    }
    expect(report.corp.band).toBeNull();
    expect(report.corp.curve.x.length).toBeGreaterThan(2);
    const { brier } = report.corp;
    expect(brier.score).toBeCloseTo(brier.mcb - brier.dsc + brier.unc, 12);
  }, 60_000);

  it('says in the report which interval method was used', () => {
    const predictions = syntheticPredictions(2000, 3, 1);
    expect(auditPredictions(predictions, { bootstrapResamples: 50 }).intervalMethod).toEqual({
      method: 'bootstrap',
      resamples: 50,
    });
    expect(auditPredictions(predictions, { bootstrapResamples: 0 }).intervalMethod).toEqual({
      method: 'none',
    });
    const prepared = prepareAudit(predictions, { bootstrapResamples: 1000 });
    prepared.point = computePointEstimates(predictions, 15, false);
    expect(intervalMethodOf(prepared)).toEqual({
      method: 'bag-of-little-bootstraps',
      threshold: LARGE_SAMPLE_THRESHOLD,
      subsets: 10,
      subsetSize: Math.ceil(2000 ** 0.7),
      resamplesPerSubset: 100,
    });
  });
});

describe('paired bag of little bootstraps', () => {
  it("agrees with the exact paired bootstrap's intervals of the differences on 50,000 samples", () => {
    // Model b: model a with temperature 2 (logits 6·u where 3·u is calibrated).
    const a = syntheticPredictions(50_000, 4, 5, { scale: 6 });
    const logits = Float32Array.from(a.logits!, (z) => z / 2);
    const b = { ...a, logits, probs: applyTemperature(a.logits!, 4, 2) };
    const exact = pairedBootstrapDeltas(a, b, { bootstrapResamples: 1000, seed: 2 });
    const pointA = computePointEstimates(a, 15, false);
    const pointB = computePointEstimates(b, 15, false);
    const deltas = Object.fromEntries(
      METRIC_NAMES.map((name) => [name, exact[name].value]),
    ) as Record<MetricName, number>;
    const little = pairedLittleBootstrapIntervals(a, b, deltas, {
      binCount: 15,
      smoothBandwidthA: pointA.smoothBandwidth,
      smoothBandwidthB: pointB.smoothBandwidth,
      resamples: 1000,
      seed: 2,
    });
    // Tolerance: a quarter of the exact interval's width (measured: within 0.2), half of it for the
    // binned and smoothed calibration errors (measured: within 0.46): model b is calibrated, so its
    // ECEs sit at the kink of |·|, where a subset's own estimate (each row weighted n/b) is noisier
    // than the full data's. MCE as above.
    const loose = ['ece', 'adaptiveEce', 'classwiseEce', 'smoothEce'];
    for (const name of METRIC_NAMES) {
      if (name === 'mce' || name === 'accuracy') continue;
      const [lo, hi] = exact[name].ci95;
      const width = hi - lo;
      const tolerance = loose.includes(name) ? 0.5 : 0.25;
      expect(width, name).toBeGreaterThan(0);
      expect(Math.abs(little[name][0] - lo) / width, `${name} lower`).toBeLessThan(tolerance);
      expect(Math.abs(little[name][1] - hi) / width, `${name} upper`).toBeLessThan(tolerance);
    }
    // Temperature scaling keeps every prediction: the accuracy difference is exactly 0.
    expect(little.accuracy).toEqual([0, 0]);
  });

  it('is what pairedBootstrapDeltas uses above LARGE_SAMPLE_THRESHOLD samples', () => {
    const a = syntheticPredictions(LARGE_SAMPLE_THRESHOLD + 1, 2, 8, { scale: 6 });
    const b = { ...a, logits: null, probs: applyTemperature(a.logits!, 2, 2) };
    const deltas = pairedBootstrapDeltas(a, b, { bootstrapResamples: 20, seed: 1 });
    // Temperature 2 on logits twice too large: the ECE falls, by an interval that excludes 0.
    expect(deltas.ece.value).toBeLessThan(0);
    expect(deltas.ece.ci95[1]).toBeLessThan(0);
    expect(deltas.ece.ci95[0]).toBeLessThan(deltas.ece.ci95[1]);
    expect(deltas.accuracy).toEqual({ value: 0, ci95: [0, 0] });
  });
});
