import { describe, expect, it } from 'vitest';
import { corpReliability } from '../../src/core/corp';
import { expectedCalibrationError } from '../../src/core/metrics';
import { isotonicPredict } from '../../src/core/pav';
import { netcalAce, relplotSmoothEce } from '../../src/core/reference-metrics';
import { smoothEce } from '../../src/core/smooth-ece';
import { libraryReference } from './calibrators/library-reference';

const { topLabel } = libraryReference();
const confidence = Float64Array.from(topLabel.confidence);
const correct = Uint8Array.from(topLabel.correct);

describe('library conventions on the demo (values the libraries computed)', () => {
  it('netcal ACE is the unweighted mean over non-empty equal-width bins (1e-9)', () => {
    expect(Math.abs(netcalAce(confidence, correct, 15) - topLabel.netcalAce15)).toBeLessThan(1e-9);
    expect(Math.abs(netcalAce(confidence, correct, 10) - topLabel.netcalAce10)).toBeLessThan(1e-9);
    // The weighted ECE agrees with netcal's ECE: the conventions differ only in the weights.
    expect(
      Math.abs(expectedCalibrationError(confidence, correct, 15) - topLabel.netcalEce15),
    ).toBeLessThan(1e-9);
  });

  it('relplot smECE: its value and bandwidth (1e-9), unlike this project’s mirrored end node', () => {
    const [value, width] = topLabel.relplotSmoothEce;
    const ours = relplotSmoothEce(confidence, correct);
    expect(Math.abs(ours.bandwidth - width)).toBeLessThan(1e-12);
    expect(Math.abs(ours.value - value)).toBeLessThan(1e-9);
    // This project's smooth ECE differs on this confident model (documented in smooth-ece.ts).
    expect(Math.abs(smoothEce(confidence, correct).value - value)).toBeGreaterThan(0.003);
  });

  it('the CORP curve equals scikit-learn’s IsotonicRegression and the decompositions agree (1e-9)', () => {
    const corp = corpReliability(confidence, correct, { resamples: 0 });
    const { x, y } = topLabel.corpCurveAt;
    x.forEach((t, j) => expect(Math.abs(isotonicPredict(corp.curve, t) - y[j])).toBeLessThan(1e-9));
    for (const key of ['score', 'mcb', 'dsc', 'unc'] as const) {
      expect(Math.abs(corp.brier[key] - topLabel.brier[key]), `brier ${key}`).toBeLessThan(1e-9);
      expect(Math.abs(corp.logScore[key] - topLabel.logScore[key]), `log ${key}`).toBeLessThan(
        1e-9,
      );
    }
  });
});
