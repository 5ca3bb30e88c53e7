import { defineCalibrator } from '../base';
import { fitOneVsRest } from './one-vs-rest';

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
    const M = HISTOGRAM_BINS;
    const binOf = (p: number) => Math.min(M - 1, Math.max(0, Math.floor(p * M)));
    const { perClass, apply } = fitOneVsRest(data, (scores, hits) => {
      const sum = new Float64Array(M);
      const count = new Float64Array(M);
      for (let i = 0; i < scores.length; i++) {
        const b = binOf(scores[i]);
        sum[b] += hits[i];
        count[b] += 1;
      }
      const values = Array.from({ length: M }, (_, b) =>
        count[b] > 0 ? sum[b] / count[b] : (b + 0.5) / M,
      );
      return { map: (p: number) => values[binOf(p)], parameters: values };
    });
    return {
      parameters: { bins: M, values: perClass },
      summary: `${M} equal-width bins per class`,
      map: apply,
    };
  },
);
