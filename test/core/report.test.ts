import { describe, expect, it } from 'vitest';
import { auditPredictions } from '../../src/core/report';
import { METRIC_NAMES, type CalibrationReport, type Predictions } from '../../src/core/types';
import { REFERENCE, referencePredictions } from './reference-data';
import { syntheticPredictions } from './synthetic';

/** True when the value is made of plain objects, arrays, strings, numbers, booleans, null. */
function isPlain(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlain);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every(isPlain);
  }
  return false;
}

describe('auditPredictions', () => {
  const predictions = syntheticPredictions(4000, 6, 11);
  const report = auditPredictions(predictions, { bootstrapResamples: 200 });

  it('returns a plain JSON-serialisable report', () => {
    expect(isPlain(report)).toBe(true);
    // The MCE's interval is [NaN, NaN] (see the next test), which JSON writes as null.
    const roundTrip = JSON.parse(JSON.stringify(report)) as CalibrationReport;
    expect(roundTrip.metrics.mce.ci95).toEqual([null, null]);
    roundTrip.metrics.mce.ci95 = [NaN, NaN];
    expect(roundTrip).toEqual(report);
  });

  it('gives the MCE the bin that sets it instead of a bootstrap interval', () => {
    const { mce } = report.metrics;
    expect(mce.ci95.every(Number.isNaN)).toBe(true);
    const bin = report.mceBin!;
    const { binIndex, ...plain } = bin;
    expect(plain).toEqual(report.bins[binIndex]);
    expect(Math.abs(bin.gap!)).toBeCloseTo(mce.value, 12);
    expect(bin.count).toBeGreaterThan(0);
    expect(bin.accuracyInterval![0]).toBeLessThanOrEqual(bin.accuracy!);
    for (const other of report.bins) {
      if (other.gap !== null) expect(Math.abs(other.gap)).toBeLessThanOrEqual(mce.value + 1e-12);
    }
  });

  it('reports the debiased binned ECEs below the plug-in values', () => {
    for (const name of ['ece', 'adaptiveEce', 'classwiseEce'] as const) {
      const debiased = report.debiased[name]!;
      expect(debiased.value, name).toBeLessThanOrEqual(report.metrics[name].value);
      expect(debiased.ci95[0], name).toBeLessThanOrEqual(debiased.ci95[1]);
    }
  });

  it('fills every metric with a 95% interval', () => {
    // Calibration errors are biased upwards by noise, and resampling adds more of it, so
    // their percentile intervals may sit just above a small estimate; the others bracket it.
    const binned = new Set(['ece', 'adaptiveEce', 'classwiseEce', 'smoothEce']);
    for (const name of METRIC_NAMES) {
      if (name === 'mce') continue;
      const { value, ci95 } = report.metrics[name];
      expect(Number.isFinite(value), name).toBe(true);
      expect(ci95[0], name).toBeLessThanOrEqual(ci95[1]);
      if (binned.has(name)) {
        expect(value, name).toBeGreaterThan(ci95[0] - (ci95[1] - ci95[0]));
        expect(value, name).toBeLessThanOrEqual(ci95[1]);
      } else {
        expect(ci95[0], name).toBeLessThanOrEqual(value);
        expect(ci95[1], name).toBeGreaterThanOrEqual(value);
      }
    }
    expect(report.metrics.overconfidenceGap.value).toBeCloseTo(
      report.metrics.averageConfidence.value - report.metrics.accuracy.value,
      12,
    );
  });

  it('describes the run', () => {
    expect(report).toMatchObject({
      sampleCount: 4000,
      numClasses: 6,
      binCount: 15,
      bootstrapResamples: 200,
      seed: 0,
    });
    expect(report.bins).toHaveLength(15);
    expect(report.adaptiveBins).toHaveLength(15);
    expect(report.adaptiveBins.reduce((s, b) => s + b.count, 0)).toBe(4000);
    expect(report.confidenceHistogram.edges).toHaveLength(21);
    expect(report.riskCoverage.coverage.length).toBeLessThanOrEqual(200);
    expect(report.smoothEceBandwidth).toBeCloseTo(report.metrics.smoothEce.value, 4);
  });

  it('summarises the logit gap when logits are given', () => {
    expect(report.logitGap).not.toBeNull();
    const { summary, histogram } = report.logitGap!;
    expect(summary.p10).toBeLessThanOrEqual(summary.median);
    expect(summary.median).toBeLessThanOrEqual(summary.p90);
    expect(summary.p90).toBeLessThanOrEqual(summary.max);
    expect(histogram.counts.reduce((a, b) => a + b)).toBe(4000);
    const withoutLogits = auditPredictions(
      { ...predictions, logits: null },
      { bootstrapResamples: 0 },
    );
    expect(withoutLogits.logitGap).toBeNull();
  });

  it('has consistent per-class statistics and confusion matrix', () => {
    const totalCount = report.perClass.reduce((s, c) => s + c.count, 0);
    expect(totalCount).toBe(4000);
    report.perClass.forEach((c, k) => {
      expect(report.confusion[k].reduce((a, b) => a + b)).toBe(c.count);
      expect(report.confusion.reduce((s, row) => s + row[k], 0)).toBe(c.predictedCount);
      expect(c.accuracy).toBeCloseTo(report.confusion[k][k] / c.count, 12);
    });
    const meanTerm = report.perClass.reduce((s, c) => s + c.classwiseEce, 0) / 6;
    expect(meanTerm).toBeCloseTo(report.metrics.classwiseEce.value, 12);
  });

  it('flags confident errors, most confident first, capped, with the total', () => {
    const capped = auditPredictions(predictions, {
      bootstrapResamples: 0,
      confidenceThreshold: 0.5,
      maxFlaggedSamples: 5,
    });
    const { samples, samplesTotal, confidenceThreshold } = capped.flags;
    expect(confidenceThreshold).toBe(0.5);
    expect(samples).toHaveLength(5);
    expect(samplesTotal).toBeGreaterThan(5);
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i].confidence).toBeLessThanOrEqual(samples[i - 1].confidence);
    }
    for (const s of samples) {
      expect(s.label).not.toBe(s.prediction);
      expect(predictions.labels[s.index]).toBe(s.label);
    }
  });

  it('treats undefined options as defaults', () => {
    const a = auditPredictions(predictions, { bootstrapResamples: 0, bins: undefined });
    expect(a.binCount).toBe(15);
    expect(() => auditPredictions(predictions, { bins: 0 })).toThrow(RangeError);
  });

  it('gives the same intervals for the same seed', () => {
    const again = auditPredictions(predictions, { bootstrapResamples: 200 });
    expect(again.metrics).toEqual(report.metrics);
    const other = auditPredictions(predictions, { bootstrapResamples: 200, seed: 1 });
    expect(other.metrics.ece.ci95).not.toEqual(report.metrics.ece.ci95);
  });
});

describe('auditPredictions on the reference data set', () => {
  it('reproduces the scikit-learn / numpy values', () => {
    const report = auditPredictions(referencePredictions(), { bootstrapResamples: 0 });
    const m = report.metrics;
    expect(m.accuracy.value).toBeCloseTo(REFERENCE.accuracy, 12);
    expect(m.averageConfidence.value).toBeCloseTo(REFERENCE.averageConfidence, 12);
    expect(m.ece.value).toBeCloseTo(REFERENCE.ece, 12);
    expect(m.mce.value).toBeCloseTo(REFERENCE.mce, 12);
    expect(m.adaptiveEce.value).toBeCloseTo(REFERENCE.adaptiveEce, 12);
    expect(m.classwiseEce.value).toBeCloseTo(REFERENCE.classwiseEce, 12);
    expect(m.nll.value).toBeCloseTo(REFERENCE.nll, 12);
    expect(m.brier.value).toBeCloseTo(REFERENCE.brier, 12);
    expect(m.misclassificationAuroc.value).toBeCloseTo(REFERENCE.misclassificationAuroc, 12);
    expect(m.aurc.value).toBeCloseTo(REFERENCE.aurc, 12);
    expect(m.ece.ci95).toEqual([m.ece.value, m.ece.value]);
    REFERENCE.classwiseTerms.forEach((t, k) =>
      expect(report.perClass[k].classwiseEce).toBeCloseTo(t, 12),
    );
  });
});

describe('edge cases', () => {
  it('handles one class', () => {
    const report = auditPredictions(
      { numClasses: 1, labels: new Int32Array(50), probs: new Float32Array(50).fill(1) },
      { bootstrapResamples: 50 },
    );
    expect(report.metrics.accuracy.value).toBe(1);
    expect(report.metrics.ece.value).toBe(0);
    expect(report.metrics.misclassificationAuroc.value).toBeNaN();
    expect(report.metrics.misclassificationAuroc.ci95).toEqual([NaN, NaN]);
    expect(report.bins[14].count).toBe(50);
    expect(report.verdict.kind).toBe('well-calibrated');
    expect(report.flags.classes).toEqual([]);
  });

  it('handles all wrong predictions', () => {
    const labels = Int32Array.from({ length: 40 }, () => 1);
    const probs = Float32Array.from({ length: 80 }, (_, j) => (j % 2 === 0 ? 0.8 : 0.2));
    const report = auditPredictions({ numClasses: 2, labels, probs }, { bootstrapResamples: 30 });
    expect(report.metrics.accuracy.value).toBe(0);
    expect(report.metrics.ece.value).toBeCloseTo(0.8, 6);
    expect(report.metrics.aurc.value).toBe(1);
    expect(report.verdict.kind).toBe('overconfident');
  });

  it('gives the same metrics for a 2-class softmax and the same model as (1 − p, p)', () => {
    const n = 1000;
    const source = syntheticPredictions(n, 2, 4);
    const asSigmoid: Predictions = {
      numClasses: 2,
      labels: source.labels,
      probs: new Float32Array(2 * n),
      logits: new Float32Array(2 * n),
    };
    for (let i = 0; i < n; i++) {
      const z = source.logits![2 * i + 1] - source.logits![2 * i];
      const p = 1 / (1 + Math.exp(-z));
      asSigmoid.probs[2 * i] = 1 - p;
      asSigmoid.probs[2 * i + 1] = p;
      asSigmoid.logits![2 * i + 1] = z;
    }
    const a = auditPredictions(source, { bootstrapResamples: 0 });
    const b = auditPredictions(asSigmoid, { bootstrapResamples: 0 });
    for (const name of METRIC_NAMES) {
      expect(Math.abs(a.metrics[name].value - b.metrics[name].value), name).toBeLessThan(1e-5);
    }
  });

  it('rejects inconsistent input', () => {
    const good = referencePredictions();
    expect(() => auditPredictions({ ...good, probs: good.probs.subarray(3) })).toThrow(/probs/);
    expect(() =>
      auditPredictions({ ...good, labels: Int32Array.from(good.labels, () => 3) }),
    ).toThrow(/label 3/);
    expect(() =>
      auditPredictions({ numClasses: 3, labels: new Int32Array(0), probs: new Float32Array(0) }),
    ).toThrow(/no samples/);
  });
});

describe('verdict', () => {
  const verdictOf = (p: Predictions): CalibrationReport['verdict'] =>
    auditPredictions(p, { bootstrapResamples: 200 }).verdict;

  it('calls an overconfident model overconfident, with numbers', () => {
    const v = verdictOf(syntheticPredictions(5000, 10, 1, { scale: 5 }));
    expect(v.kind).toBe('overconfident');
    expect(v.text).toMatch(
      /^Overconfident: \d+\.\d% mean confidence, \d+\.\d% accuracy, ECE \d+\.\d% \(95% CI \d+\.\d–\d+\.\d%\)$/,
    );
  });

  it('calls an underconfident model underconfident', () => {
    expect(verdictOf(syntheticPredictions(5000, 10, 2, { scale: 1.5 })).kind).toBe(
      'underconfident',
    );
  });

  it('calls a calibrated model well calibrated', () => {
    const v = verdictOf(syntheticPredictions(20000, 10, 3, { sampleLabels: true }));
    expect(v.kind).toBe('well-calibrated');
    expect(v.text).toMatch(/^Well calibrated/);
  });
});
