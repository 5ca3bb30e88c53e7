import { describe, expect, it } from 'vitest';
import {
  calibrationTests,
  FAMILY_ALPHA,
  MIN_TEST_COUNT,
  significantBins,
} from '../../src/core/calibration-tests';
import { Rng } from '../../src/core/random';
import { reliabilityBins } from '../../src/core/binning';
import {
  accuracy,
  averageConfidence,
  expectedCalibrationError,
  overconfidenceGap,
} from '../../src/core/metrics';
import { DEFAULT_AUDIT_OPTIONS } from '../../src/core/options';
import { perClassStats } from '../../src/core/per-class';
import { auditPredictions, judgeCalibration } from '../../src/core/report';
import { correctness, topLabel } from '../../src/core/samples';
import type { Predictions } from '../../src/core/types';
import { libraryReference } from './calibrators/library-reference';
import { syntheticPredictions } from './synthetic';

/**
 * False alarms on predictions that are calibrated by construction: the labels are drawn from
 * the model's own probabilities, so any bin, class or verdict flag is a false alarm. The family
 * of tests is Holm-corrected at 5%, so the rate must be at most 5%. With S seeds the measured
 * rate has a Monte-Carlo standard error of at most sqrt(0.05·0.95/S) (0.0069 at S = 1,000); the
 * tests allow 1.645 standard errors above 5% (a one-sided 95% margin), so a true rate at 5%
 * passes 95% of the time and a true rate of 8% or more fails almost always.
 */
const SEEDS = 1000;
const MARGIN = 1.645 * Math.sqrt((FAMILY_ALPHA * (1 - FAMILY_ALPHA)) / SEEDS);

function softmaxRows(logits: number[][]): number[][] {
  return logits.map((row) => {
    const max = Math.max(...row);
    const e = row.map((z) => Math.exp(z - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** The demo model's full probability rows (its calibration and evaluation parts, 1,200 rows). */
function demoRows(): number[][] {
  const ref = libraryReference();
  return softmaxRows([...ref.calibration.logits, ...ref.evaluation.logits]);
}

/** A real 2-class model's probability rows (400 rows). */
function binaryRows(): number[][] {
  const ref = libraryReference();
  return softmaxRows([...ref.binary.calibration.logits, ...ref.binary.evaluation.logits]);
}

/**
 * n rows drawn with replacement from `rows`, optionally sharpened (logits / temperature), with
 * labels drawn from the UNsharpened rows: temperature 1 is calibrated by construction, below 1
 * overconfident.
 */
function drawCalibrated(rows: number[][], n: number, seed: number, temperature = 1): Predictions {
  const rng = new Rng(seed);
  const K = rows[0].length;
  const probs = new Float32Array(n * K);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[rng.nextInt(rows.length)];
    let u = rng.nextFloat();
    labels[i] = K - 1;
    for (let k = 0; k < K; k++) {
      u -= row[k];
      if (u < 0) {
        labels[i] = k;
        break;
      }
    }
    const shown = temperature === 1 ? row : sharpen(row, temperature);
    for (let k = 0; k < K; k++) probs[i * K + k] = shown[k];
  }
  return { numClasses: K, labels, probs };
}

function sharpen(row: number[], temperature: number): number[] {
  const logs = row.map((p) => Math.log(Math.max(p, 1e-30)) / temperature);
  const max = Math.max(...logs);
  const e = logs.map((z) => Math.exp(z - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

interface Alarms {
  /** Any test of the family significant (what every flag and a non-calibrated verdict need). */
  anyTest: number;
  /** Any flagged bin or class, or a verdict other than well calibrated. */
  shown: number;
}

/**
 * The audit's judgement (tests, flags, verdict) without its other metrics: the same function
 * completeAudit calls, fed the point ECE (no resampling: the ECE's interval is its point, which
 * only matters to step 1 of the verdict, a way to "well calibrated").
 */
function judge(predictions: Predictions) {
  const { numClasses: K, labels, probs } = predictions;
  const { confidence, prediction } = topLabel(probs, K);
  const correct = correctness(prediction, labels);
  const bins = reliabilityBins(confidence, correct, 15);
  const perClass = perClassStats(labels, prediction, confidence, K, new Float64Array(K));
  const point = (value: number) => ({ value, ci95: [value, value] as [number, number] });
  return judgeCalibration({
    confidence,
    correct,
    prediction,
    numClasses: K,
    bins,
    perClass,
    metrics: {
      ece: point(expectedCalibrationError(confidence, correct, 15)),
      overconfidenceGap: point(overconfidenceGap(confidence, correct)),
      averageConfidence: point(averageConfidence(confidence)),
      accuracy: point(accuracy(correct)),
      classwiseEce: point(0),
    },
    binGapMargin: DEFAULT_AUDIT_OPTIONS.binGapMargin,
    hasIntervals: false,
  });
}

function falseAlarms(make: (seed: number) => Predictions): Alarms {
  let anyTest = 0;
  let shown = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const j = judge(make(seed));
    const report = {
      tests: j.tests,
      flags: { bins: j.flaggedBins, classes: j.flaggedClasses },
      verdict: j.verdict,
    };
    if (report.tests.tests.some((t) => t.significant)) anyTest++;
    if (
      report.flags.bins.length > 0 ||
      report.flags.classes.length > 0 ||
      report.verdict.kind !== 'well-calibrated'
    ) {
      shown++;
    }
  }
  return { anyTest: anyTest / SEEDS, shown: shown / SEEDS };
}

describe('false alarms on calibrated predictions (family-wise error ≤ 5%)', () => {
  it('the demo model, 10,000 samples', { timeout: 300_000 }, () => {
    const rows = demoRows();
    const rate = falseAlarms((seed) => drawCalibrated(rows, 10_000, seed));
    console.log(`demo n=10000: any test ${rate.anyTest}, any flag or verdict ${rate.shown}`);
    expect(rate.shown).toBeLessThanOrEqual(rate.anyTest);
    expect(rate.anyTest).toBeLessThanOrEqual(FAMILY_ALPHA + MARGIN);
  });

  it('the demo model, 500 samples', { timeout: 300_000 }, () => {
    const rows = demoRows();
    const rate = falseAlarms((seed) => drawCalibrated(rows, 500, seed));
    console.log(`demo n=500: any test ${rate.anyTest}, any flag or verdict ${rate.shown}`);
    expect(rate.shown).toBeLessThanOrEqual(rate.anyTest);
    expect(rate.anyTest).toBeLessThanOrEqual(FAMILY_ALPHA + MARGIN);
  });

  it("the demo's 10,000 top-label confidences, bins and overall gap", { timeout: 300_000 }, () => {
    const confidence = Float64Array.from(libraryReference().topLabel.confidence);
    const prediction = Int32Array.from(confidence, (_, i) => i % 10);
    let alarms = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Rng(seed);
      const correct = Uint8Array.from(confidence, (c) => (rng.nextFloat() < c ? 1 : 0));
      const family = calibrationTests(confidence, correct, prediction, 10, 15);
      if (family.tests.some((t) => t.significant)) alarms++;
    }
    console.log(`demo top-label n=10000: any test ${alarms / SEEDS}`);
    expect(alarms / SEEDS).toBeLessThanOrEqual(FAMILY_ALPHA + MARGIN);
  });

  it('the uncorrected per-bin rule it replaced fails the same check', () => {
    // Before: a bin was flagged when its gap exceeded 2 points and its Wilson 95% interval lay
    // below its mean confidence, bin by bin, with no minimum count and no correction.
    const confidence = Float64Array.from(libraryReference().topLabel.confidence);
    let alarms = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Rng(seed);
      const correct = Uint8Array.from(confidence, (c) => (rng.nextFloat() < c ? 1 : 0));
      const bins = reliabilityBins(confidence, correct, 15);
      const old = bins.some(
        (b) =>
          b.gap !== null &&
          b.confidence !== null &&
          b.accuracyInterval !== null &&
          b.gap > 0.02 &&
          b.accuracyInterval[1] < b.confidence,
      );
      if (old) alarms++;
    }
    console.log(`old per-bin rule, demo top-label n=10000: ${alarms / SEEDS}`);
    expect(alarms / SEEDS).toBeGreaterThan(FAMILY_ALPHA + MARGIN);
  });

  it('a real 2-class model, 2,000 samples', { timeout: 300_000 }, () => {
    const rows = binaryRows();
    const rate = falseAlarms((seed) => drawCalibrated(rows, 2_000, seed));
    console.log(`2-class n=2000: any test ${rate.anyTest}, any flag or verdict ${rate.shown}`);
    expect(rate.anyTest).toBeLessThanOrEqual(FAMILY_ALPHA + MARGIN);
  });

  it('a synthetic 2-class model, 300 samples', { timeout: 300_000 }, () => {
    const rate = falseAlarms((seed) =>
      syntheticPredictions(300, 2, seed, { margin: 1.5, scale: 1.5, sampleLabels: true }),
    );
    console.log(`synthetic 2-class n=300: any test ${rate.anyTest}, any flag ${rate.shown}`);
    expect(rate.anyTest).toBeLessThanOrEqual(FAMILY_ALPHA + MARGIN);
  });
});

describe('power is kept', () => {
  it('flags a clearly overconfident model in (nearly) every run', () => {
    // The demo's rows sharpened with temperature 0.5, labels from the original rows.
    const rows = demoRows();
    let flagged = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const report = auditPredictions(drawCalibrated(rows, 2_000, seed, 0.5), {
        bootstrapResamples: 0,
      });
      if (report.verdict.kind === 'overconfident') flagged++;
    }
    expect(flagged).toBeGreaterThanOrEqual(38);
  });

  it('flags the overconfident bins and classes of a synthetic 10-class model', () => {
    const report = auditPredictions(syntheticPredictions(3000, 10, 5, { margin: 2, scale: 4 }), {
      bootstrapResamples: 0,
    });
    expect(report.verdict.kind).toBe('overconfident');
    expect(report.flags.bins.length).toBeGreaterThan(0);
    expect(report.flags.classes.length).toBeGreaterThan(0);
    for (const bin of report.flags.bins) {
      expect(bin.adjustedPValue).toBeLessThanOrEqual(FAMILY_ALPHA);
      expect(bin.count).toBeGreaterThanOrEqual(MIN_TEST_COUNT);
    }
  });
});

describe('the judgement the false-alarm tests run', () => {
  it("is the full audit's", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const predictions = drawCalibrated(demoRows(), 800, seed, seed % 2 ? 1 : 0.7);
      const full = auditPredictions(predictions, { bootstrapResamples: 0 });
      const light = judge(predictions);
      expect(light.tests).toEqual(full.tests);
      expect(light.verdict.kind).toBe(full.verdict.kind);
      expect(light.flaggedBins).toEqual(full.flags.bins);
      expect(light.flaggedClasses.map((c) => c.classIndex)).toEqual(
        full.flags.classes.map((c) => c.classIndex),
      );
    }
  });
});

describe('calibrationTests', () => {
  it('never tests (or flags) a bin of one sample, however wrong', () => {
    // 300 right answers at 0.99 and one wrong one at 0.95: bin 14 has 300, bin 14? no: 0.95
    // falls in bin 14 too at 15 bins; use 0.5 so that it sits alone in bin 7.
    const confidence = [...Array(300).fill(0.99), 0.5];
    const correct = [...Array(300).fill(1), 0];
    const prediction = confidence.map(() => 0);
    const family = calibrationTests(confidence, correct, prediction, 2, 15);
    expect(family.tests.find((t) => t.kind === 'bin' && t.index === 7)).toBeUndefined();
    const report = auditPredictions(
      {
        numClasses: 2,
        labels: Int32Array.from(correct, (c) => (c ? 0 : 1)),
        probs: Float32Array.from(confidence.flatMap((c) => [c, 1 - c])),
      },
      { bootstrapResamples: 0 },
    );
    expect(report.flags.bins).toEqual([]);
  });

  it('corrects for the number of tests (Holm)', () => {
    // One bin of 40 at 0.9 with 31 right: p ≈ 0.03 alone, not significant among 3 tests.
    const confidence = [...Array(40).fill(0.9), ...Array(40).fill(0.5)];
    const correct = [
      ...Array(31).fill(1),
      ...Array(9).fill(0),
      ...Array(20).fill(1),
      ...Array(20).fill(0),
    ];
    const family = calibrationTests(
      confidence,
      correct,
      confidence.map(() => 0),
      1,
      15,
    );
    const bin = family.tests.find((t) => t.kind === 'bin' && t.index === 13)!;
    expect(bin.pValue).toBeLessThan(0.05);
    expect(bin.adjustedPValue).toBeGreaterThan(bin.pValue);
    expect(family.tests.map((t) => t.kind)).toEqual(['overall', 'bin', 'bin']);
  });
});

describe('significantBins (the reliability view at any binning)', () => {
  it('marks only well-filled, significantly overconfident bins, Holm-corrected over the view', () => {
    const confidence = [...Array(300).fill(0.99), 0.9, ...Array(60).fill(0.75)];
    // The lone 0.9 is wrong; the 60 at 0.75 are 30 right (50%: significantly overconfident).
    const correct = [...Array(300).fill(1), 0, ...Array(30).fill(1), ...Array(30).fill(0)];
    const bins = reliabilityBins(confidence, correct, 15);
    const marked = significantBins(bins, 0.02);
    expect(marked[13]).toBe(false); // one sample
    expect(marked[11]).toBe(true);
    expect(marked.filter(Boolean)).toHaveLength(1);
  });
});
