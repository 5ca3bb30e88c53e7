import { defineCalibrator } from '../base';
import { applyOneVsRest, fitOneVsRest } from './one-vs-rest';

/** Equal-width bins of histogram binning (netcal's default). */
export const HISTOGRAM_BINS = 10;

/**
 * Histogram binning (Zadrozny & Elkan 2001), one-vs-rest: p_k is replaced by the fraction of
 * class-k samples among the calibration samples whose p_k falls in the same of 10 equal-width bins
 * on [0, 1]; an empty bin keeps its midpoint (netcal 1.4's `HistogramBinning`). Bins are
 * [a, b) with the last closed, in fitting and applying alike (netcal fits with [a, b) and applies
 * with (a, b]; the two differ only for a probability exactly on an inner edge).
 */
export const histogramBinning = defineCalibrator(
  {
    id: 'histogram',
    family: 'binning',
    name: 'histogram binning',
    reference: 'Zadrozny & Elkan 2001; netcal HistogramBinning(bins=10)',
    appliesTo: (K) => K >= 2,
  },
  (data) => {
    const values = fitOneVsRest(data, (scores, hits) => {
      const sum = new Float64Array(HISTOGRAM_BINS);
      const count = new Float64Array(HISTOGRAM_BINS);
      for (let i = 0; i < scores.length; i++) {
        const b = binOf(scores[i], HISTOGRAM_BINS);
        sum[b] += hits[i];
        count[b] += 1;
      }
      return Array.from({ length: HISTOGRAM_BINS }, (_, b) =>
        count[b] > 0 ? sum[b] / count[b] : (b + 0.5) / HISTOGRAM_BINS,
      );
    });
    return {
      parameters: { bins: HISTOGRAM_BINS, values },
      summary: `${HISTOGRAM_BINS} equal-width bins per class`,
    };
  },
  (parameters, K) => {
    const bins = parameters.bins as number;
    const maps = (parameters.values as number[][]).map(
      (values) => (p: number) => values[binOf(p, bins)],
    );
    return applyOneVsRest(maps, K);
  },
);

function binOf(p: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
}
