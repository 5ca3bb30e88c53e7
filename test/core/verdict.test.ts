import { describe, expect, it } from 'vitest';
import { calibrationVerdict, type VerdictInputs } from '../../src/core/verdict';
import type { CalibrationTest, CalibrationTestFamily, ReliabilityBin } from '../../src/core/types';

const estimate = (value: number, lo = value, hi = value) => ({
  value,
  ci95: [lo, hi] as [number, number],
});

function bin(
  count: number,
  accuracy: number,
  confidence: number,
  interval: [number, number],
): ReliabilityBin {
  return {
    lower: 0,
    upper: 1,
    count,
    accuracy,
    confidence,
    gap: confidence - accuracy,
    accuracyInterval: interval,
  };
}

const base: VerdictInputs = {
  ece: estimate(0.024, 0.019, 0.029),
  overconfidenceGap: estimate(0.022, 0.015, 0.03),
  averageConfidence: estimate(0.912),
  accuracy: estimate(0.89),
  bins: [],
  binGapMargin: 0.02,
  hasIntervals: true,
  tests: family([test('overall', 0, 1000, 0.022, 1e-6)]),
};

function test(
  kind: CalibrationTest['kind'],
  index: number,
  count: number,
  gap: number,
  adjustedPValue: number,
): CalibrationTest {
  return {
    kind,
    index,
    count,
    accuracy: 0.9,
    confidence: 0.9 + gap,
    gap,
    pValue: adjustedPValue,
    adjustedPValue,
    significant: adjustedPValue <= 0.05,
  };
}

function family(tests: CalibrationTest[]): CalibrationTestFamily {
  return { alpha: 0.05, minCount: 10, method: 'holm', tests };
}

describe('calibrationVerdict', () => {
  it('writes the brief example', () => {
    expect(calibrationVerdict(base)).toEqual({
      kind: 'overconfident',
      text: 'Overconfident: 91.2% mean confidence, 89.0% accuracy, ECE 2.4% (95% CI 1.9–2.9%)',
    });
  });

  it('is well calibrated when the ECE interval reaches below 1%', () => {
    const v = calibrationVerdict({ ...base, ece: estimate(0.012, 0.008, 0.016) });
    expect(v.kind).toBe('well-calibrated');
    expect(v.text).toBe(
      'Well calibrated: 91.2% mean confidence, 89.0% accuracy, ECE 1.2% (95% CI 0.8–1.6%)',
    );
  });

  it('is underconfident when the overall test is significant with a negative gap', () => {
    const v = calibrationVerdict({
      ...base,
      tests: family([test('overall', 0, 1000, -0.03, 1e-4)]),
      overconfidenceGap: estimate(-0.03, -0.04, -0.02),
      averageConfidence: estimate(0.86),
    });
    expect(v.kind).toBe('underconfident');
    expect(v.text.startsWith('Underconfident: 86.0% mean confidence')).toBe(true);
  });

  it('says when the interval is too wide to tell', () => {
    const v = calibrationVerdict({ ...base, ece: estimate(0.3, 0, 0.6) });
    expect(v.kind).toBe('well-calibrated');
    expect(v.text.startsWith('Not clearly miscalibrated (too few samples to tell): ')).toBe(true);
  });

  it('looks at significant bins when the overall test is not significant', () => {
    const mixed = {
      ...base,
      overconfidenceGap: estimate(0.001, -0.01, 0.012),
      tests: family([test('overall', 0, 550, 0.001, 0.9)]),
    };
    // No bin differs significantly: the ECE is binning noise.
    expect(calibrationVerdict({ ...mixed, bins: [bin(50, 0.9, 0.92, [0.79, 0.96])] }).kind).toBe(
      'well-calibrated',
    );
    // 400 samples 10 points overconfident, 100 samples 20 points underconfident: mostly over.
    const bins = [bin(400, 0.8, 0.9, [0.76, 0.84]), bin(100, 0.7, 0.5, [0.6, 0.78])];
    const significant = family([
      test('overall', 0, 550, 0.001, 0.9),
      test('bin', 0, 400, 0.1, 1e-6),
      test('bin', 1, 100, -0.2, 1e-5),
    ]);
    const v = calibrationVerdict({ ...mixed, bins, tests: significant });
    expect(v.kind).toBe('overconfident');
    expect(v.text.startsWith('Mixed, mostly overconfident:')).toBe(true);
    // The same bins, not significant after the correction: no alarm.
    const corrected = family([
      test('overall', 0, 550, 0.001, 0.9),
      test('bin', 0, 400, 0.1, 0.2),
      test('bin', 1, 100, -0.2, 0.3),
    ]);
    expect(calibrationVerdict({ ...mixed, bins, tests: corrected }).kind).toBe('well-calibrated');
  });

  it('never calls a model miscalibrated without a significant test', () => {
    const v = calibrationVerdict({
      ...base,
      tests: family([test('overall', 0, 150, 0.022, 0.2)]),
    });
    expect(v.kind).toBe('well-calibrated');
    expect(v.text.startsWith('Not clearly miscalibrated (too few samples to tell): ')).toBe(true);
  });

  it('leaves the interval out without resampling', () => {
    const v = calibrationVerdict({
      ...base,
      ece: estimate(0.024),
      overconfidenceGap: estimate(0.022),
      hasIntervals: false,
    });
    expect(v.text).toBe('Overconfident: 91.2% mean confidence, 89.0% accuracy, ECE 2.4%');
  });
});
