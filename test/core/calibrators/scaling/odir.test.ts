import { describe, expect, it } from 'vitest';
import { odirPenalty } from '../../../../src/core/calibrators/scaling/nll-fit';
import { fitOdirMap, ODIR_FOLDS, ODIR_GRID } from '../../../../src/core/calibrators/scaling/odir';
import { syntheticPredictions } from '../../synthetic';

describe('ODIR (Kull et al. 2019)', () => {
  it('penalises off-diagonal weights and biases only, with the matching gradient', () => {
    const K = 3;
    const theta = Float64Array.from([1, 0.5, -0.2, 0.3, 2, 0.1, -0.4, 0.6, 3, 0.2, -0.1, 0.05]);
    const gradient = new Float64Array(theta.length);
    const penalty = odirPenalty(K, 0.6, 0.3);
    const value = penalty.value(theta, gradient);
    const off = [0.5, -0.2, 0.3, 0.1, -0.4, 0.6].reduce((s, w) => s + w * w, 0);
    const bias = [0.2, -0.1, 0.05].reduce((s, b) => s + b * b, 0);
    expect(value).toBeCloseTo((0.6 / 6) * off + (0.3 / 3) * bias, 14);
    expect(gradient[0]).toBe(0); // w_00: the diagonal is free
    expect(gradient[1]).toBeCloseTo(2 * 0.1 * 0.5, 14);
    expect(gradient[9]).toBeCloseTo(2 * 0.1 * 0.2, 14);
    expect(penalty.hessianDiagonal[4]).toBe(0);
    expect(penalty.hessianDiagonal[5]).toBeCloseTo(0.2, 14);
  });

  it('chooses λ from the grid by cross-validation and reports every fold score', () => {
    const p = syntheticPredictions(600, 3, 41, { margin: 2, scale: 4 });
    const fit = fitOdirMap(p.logits!, p.labels, 3);
    expect(ODIR_GRID).toContain(fit.lambda);
    expect(fit.cvNll).toHaveLength(ODIR_GRID.length);
    const best = Math.min(...fit.cvNll);
    expect(fit.cvNll[ODIR_GRID.indexOf(fit.lambda)]).toBe(best);
    expect(ODIR_FOLDS).toBe(3);
  });

  it('with too few samples to cross-validate, takes the strongest penalty', () => {
    const p = syntheticPredictions(5, 3, 42);
    const fit = fitOdirMap(p.logits!, p.labels, 3);
    expect(fit.lambda).toBe(ODIR_GRID[ODIR_GRID.length - 1]);
    expect(fit.cvNll).toEqual([]);
  });
});
