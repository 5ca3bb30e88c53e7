import { describe, expect, it } from 'vitest';
import {
  fixedPointNear,
  halveGrid,
  residualGrid,
  smoothedResidualL1,
  smoothEce,
  smoothEceAtBandwidth,
  smoothEceDirect,
} from '../../src/core/smooth-ece';

/**
 * 300 samples from a formula that Python reproduces bit for bit:
 *   f = 0.05 + 0.9·frac(i·0.6180339887498949), u = frac(i·0.4142135623730951 + 0.1),
 *   y = u < 0.25 + 0.5·f
 * (underconfident below f = 0.5, overconfident above). Reference values from Apple's relplot
 * 1.0.3 (`relplot.smECE(f, y, return_width=True)`, `relplot.metrics.smECE_sigma`) and from a
 * numpy evaluation of the reflected-kernel integral (images m = −4..4, 4001-point trapezoid).
 */
function formulaData(): { f: Float64Array; y: Float64Array } {
  const n = 300;
  const f = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    f[i] = 0.05 + 0.9 * ((i * 0.6180339887498949) % 1);
    const u = (i * 0.4142135623730951 + 0.1) % 1;
    y[i] = u < 0.25 + 0.5 * f[i] ? 1 : 0;
  }
  return { f, y };
}
const NUMPY_DIRECT = { 0.05: 0.12239862588786779, 0.1: 0.11728916506118528 };
const RELPLOT = {
  smECE: 0.11546934677476303,
  sigma: 0.1162109375,
  at: { 0.05: 0.12267559924761334, 0.1: 0.11764411171726268 },
};

describe('smooth ECE at a fixed bandwidth', () => {
  const { f, y } = formulaData();

  it('the direct O(n·grid) evaluation matches the numpy one', () => {
    expect(smoothEceDirect(f, y, 0.05)).toBeCloseTo(NUMPY_DIRECT[0.05], 12);
    expect(smoothEceDirect(f, y, 0.1)).toBeCloseTo(NUMPY_DIRECT[0.1], 12);
  });

  it('the gridded evaluation agrees with the direct one within 1e-3', () => {
    for (const sigma of [0.01, 0.03, 0.05, 0.1, 0.3, 1]) {
      const direct = smoothEceDirect(f, y, sigma, 2001);
      expect(Math.abs(smoothEceAtBandwidth(f, y, sigma) - direct)).toBeLessThan(1e-3);
    }
  });

  it('agrees with relplot within 1e-3', () => {
    expect(Math.abs(smoothEceAtBandwidth(f, y, 0.05) - RELPLOT.at[0.05])).toBeLessThan(1e-3);
    expect(Math.abs(smoothEceAtBandwidth(f, y, 0.1) - RELPLOT.at[0.1])).toBeLessThan(1e-3);
  });

  it('reflects the kernel: a residual at 0 or 1 keeps its full weight', () => {
    // One wrong prediction at confidence 1: residual 1; the reflected kernel integrates to 1
    // over [0, 1], so smECE_σ = 1 for every σ (a truncated kernel would give about 0.5).
    for (const sigma of [0.02, 0.2]) {
      expect(smoothEceAtBandwidth([1], [0], sigma)).toBeCloseTo(1, 3);
      expect(smoothEceDirect([1], [0], sigma, 4001)).toBeCloseTo(1, 3);
    }
  });

  it('equals the mean residual when all residuals share a sign', () => {
    // Residuals 0.9 − 0 = 0.9 and 0.6 − 1 = −0.4 do not; 0.9 and 0.6 both wrong do: mean 0.75.
    expect(smoothEceAtBandwidth([0.9, 0.6], [0, 0], 0.05)).toBeCloseTo(0.75, 4);
  });
});

describe('smooth ECE with its fixed-point bandwidth', () => {
  const { f, y } = formulaData();

  it('reports smECE at σ* with smECE_σ* = σ*', () => {
    const { value, bandwidth } = smoothEce(f, y);
    expect(Math.abs(value - bandwidth)).toBeLessThan(1e-5);
    const direct = smoothEceDirect(f, y, bandwidth, 2001);
    expect(Math.abs(value - direct)).toBeLessThan(1e-3);
  });

  it('agrees with relplot within its 2^-10 bracket', () => {
    const { value } = smoothEce(f, y);
    expect(Math.abs(value - RELPLOT.smECE)).toBeLessThan(1e-3);
    expect(Math.abs(value - RELPLOT.sigma)).toBeLessThan(2e-3);
  });

  it('is 0 for perfectly calibrated predictions', () => {
    // Confidence 0.5, half right: the residuals cancel at every t.
    expect(smoothEce([0.5, 0.5], [1, 0]).value).toBeLessThan(2e-3);
  });
});

describe('fixedPointNear (used for resamples)', () => {
  it('finds the same fixed point as the full search', () => {
    const { f, y } = formulaData();
    const full = smoothEce(f, y);
    const grid = residualGrid(f, y, 400);
    const near = fixedPointNear((s) => smoothedResidualL1(grid, s), full.bandwidth * 1.3, 1e-6);
    expect(Math.abs(near.bandwidth - full.bandwidth)).toBeLessThan(1e-4);
    expect(Math.abs(near.value - full.value)).toBeLessThan(1e-4);
  });

  it('widens its bracket when the guess is far off', () => {
    const fixed = (target: number) => (sigma: number) => target + 0 * sigma;
    expect(fixedPointNear(fixed(0.4), 0.01, 1e-9).bandwidth).toBeCloseTo(0.4, 6);
    expect(fixedPointNear(fixed(0.004), 0.3, 1e-9).bandwidth).toBeCloseTo(0.004, 6);
    expect(fixedPointNear(fixed(2), 0.3, 1e-9).bandwidth).toBe(1);
  });
});

describe('halveGrid', () => {
  it('gives the same residual grid as splitting onto the coarser grid directly', () => {
    const { f, y } = formulaData();
    const coarse = halveGrid(residualGrid(f, y, 400));
    const direct = residualGrid(f, y, 200);
    direct.forEach((v, g) => expect(coarse[g]).toBeCloseTo(v, 14));
  });
});
