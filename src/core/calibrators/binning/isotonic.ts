import { isotonicFit, isotonicPredict } from '../../pav';
import { defineCalibrator } from '../base';
import { applyOneVsRest, fitOneVsRest } from './one-vs-rest';

/**
 * Isotonic regression (Zadrozny & Elkan 2002), one-vs-rest and renormalised, as scikit-learn's
 * `CalibratedClassifierCV(method='isotonic')` applies `IsotonicRegression(out_of_bounds='clip')`
 * to each class's probability: PAV fit, linear between the fitted points, constant beyond them.
 * Binary models: one fit on P(y = 1).
 */
export const isotonicRegression = defineCalibrator(
  {
    id: 'isotonic',
    family: 'binning',
    name: 'isotonic regression',
    reference: 'Zadrozny & Elkan 2002; scikit-learn IsotonicRegression(out_of_bounds="clip")',
    appliesTo: (K) => K >= 2,
  },
  (data) => {
    const perClass = fitOneVsRest(data, (scores, hits) => {
      const fit = isotonicFit(scores, hits);
      // Keep only the points where the piecewise-linear map bends (the same map).
      const x: number[] = [];
      const y: number[] = [];
      for (let j = 0; j < fit.x.length; j++) {
        const flat =
          j > 0 && j < fit.x.length - 1 && fit.y[j] === fit.y[j - 1] && fit.y[j] === fit.y[j + 1];
        if (!flat) {
          x.push(fit.x[j]);
          y.push(fit.y[j]);
        }
      }
      return { x, y };
    });
    const points = perClass.reduce((s, c) => s + c.x.length, 0);
    return {
      parameters: { thresholds: perClass.map((c) => c.x), values: perClass.map((c) => c.y) },
      summary: `${points} breakpoints over ${perClass.length} ${perClass.length === 1 ? 'map' : 'class maps'}`,
    };
  },
  (parameters, K) => {
    const thresholds = parameters.thresholds as number[][];
    const values = parameters.values as number[][];
    const maps = thresholds.map((x, k) => {
      const fit = { x, y: values[k] };
      return (p: number) => isotonicPredict(fit, p);
    });
    return applyOneVsRest(maps, K);
  },
);
