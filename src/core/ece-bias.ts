import { erfc } from './significance';
import type { MetricEstimate, MetricName, ReliabilityBin } from './types';

/**
 * Binned ECE is biased upward: even a perfectly calibrated model has |accuracy − confidence| > 0
 * in every bin from sampling noise alone, and the percentile bootstrap adds the same bias again
 * (its resamples are noisier still), so its interval can lie entirely above the true ECE.
 *
 * This module corrects both, from the plug-in value and the ends of its percentile interval:
 * - the debiased ECE of Kumar, Liang & Ma (NeurIPS 2019, "Verified uncertainty calibration",
 *   their `normal_debiased_ce` at power 1): 2·ECE − Σ_b w_b E|N(acc_b − conf_b, s_b²)| with
 *   s_b² = acc_b (1 − acc_b) / n_b, here in closed form instead of by sampling;
 * - the basic (bias-corrected) bootstrap interval [2θ̂ − q97.5, 2θ̂ − q2.5], which subtracts the
 *   bias the resamples show instead of adding it; for the adaptive and classwise ECE the
 *   debiased value is the same correction applied to the point, 2θ̂ − (q2.5 + q97.5)/2.
 * Values are clipped at 0 (a calibration error cannot be negative). Near 0 the resamples
 * understate the bias (|·| bends there), so the basic interval alone covers a true ECE of 0 only
 * about 60% of the time; when no test of the audit's family rejects calibration (the data are
 * consistent with an ECE of 0 at the 5% family-wise level), the top-label ECEs' intervals are
 * extended down to 0. test/core/ece-bias.test.ts measures the coverage of both cases.
 */

/** The binned metrics this corrects. */
export const BINNED_ECE_METRICS = ['ece', 'adaptiveEce', 'classwiseEce'] as const;
export type BinnedEceMetric = (typeof BINNED_ECE_METRICS)[number];

/** E|X| for X ~ N(mu, s²). */
export function expectedAbsNormal(mu: number, s: number): number {
  if (!(s > 0)) return Math.abs(mu);
  const z = mu / s;
  // E|X| = s·sqrt(2/π)·exp(−z²/2) + mu·(1 − 2Φ(−z)), and 1 − 2Φ(−z) = erf(z / √2).
  return s * Math.sqrt(2 / Math.PI) * Math.exp(-0.5 * z * z) + mu * (1 - erfc(z / Math.SQRT2));
}

/** Kumar et al.'s debiased ECE from equal-width bins (sample-weighted), clipped at 0. */
export function debiasedEce(bins: readonly ReliabilityBin[]): number {
  let n = 0;
  for (const bin of bins) n += bin.count;
  if (n === 0) return NaN;
  let total = 0;
  for (const bin of bins) {
    if (bin.count === 0 || bin.accuracy === null || bin.confidence === null) continue;
    const gap = bin.accuracy - bin.confidence;
    const s = Math.sqrt((bin.accuracy * (1 - bin.accuracy)) / bin.count);
    total += (bin.count / n) * (2 * Math.abs(gap) - expectedAbsNormal(gap, s));
  }
  return Math.max(0, total);
}

/** The basic bootstrap interval from a plug-in value and its percentile interval, clipped at 0. */
export function basicBootstrapInterval(
  value: number,
  percentile: [number, number],
): [number, number] {
  const [lo, hi] = percentile;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [NaN, NaN];
  return [Math.max(0, 2 * value - hi), Math.max(0, 2 * value - lo)];
}

/**
 * The debiased binned-ECE metrics with bias-corrected intervals. Without resampling (interval
 * [value, value]) the ECE still gets Kumar's debiased value (interval [value, value]); the
 * adaptive and classwise ECE are left out (their correction needs the resamples).
 */
export function debiasedEceEstimates(
  metrics: Record<MetricName, MetricEstimate>,
  bins: readonly ReliabilityBin[],
  hasIntervals: boolean,
  consistentWithCalibration: boolean,
): Partial<Record<BinnedEceMetric, MetricEstimate>> {
  const extend = (ci: [number, number]): [number, number] =>
    consistentWithCalibration ? [0, ci[1]] : ci;
  const result: Partial<Record<BinnedEceMetric, MetricEstimate>> = {};
  for (const name of BINNED_ECE_METRICS) {
    const { value, ci95 } = metrics[name];
    if (!Number.isFinite(value)) continue;
    if (name === 'ece') {
      const debiased = debiasedEce(bins);
      result.ece = {
        value: debiased,
        ci95: hasIntervals ? extend(basicBootstrapInterval(value, ci95)) : [debiased, debiased],
      };
    } else if (hasIntervals && Number.isFinite(ci95[0]) && Number.isFinite(ci95[1])) {
      const basic = basicBootstrapInterval(value, ci95);
      result[name] = {
        value: Math.max(0, 2 * value - (ci95[0] + ci95[1]) / 2),
        ci95: name === 'adaptiveEce' ? extend(basic) : basic,
      };
    }
  }
  return result;
}
