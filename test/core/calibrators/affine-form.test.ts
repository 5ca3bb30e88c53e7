import { describe, expect, it } from 'vitest';
import { affineFormOf, applyAffineForm } from '../../../src/core/calibrators/affine-form';
import { calibratorsFor } from '../../../src/core/calibrators/post-hoc';
import { CALIBRATORS } from '../../../src/core/calibrators/registry';
import { syntheticPredictions } from '../synthetic';

describe('affineFormOf: every scaling map as softmax(W x + b), what an export appends as layers', () => {
  for (const K of [2, 4]) {
    const p = syntheticPredictions(400, K, 11 + K, { margin: 2, scale: 5 });
    const data = { logits: p.logits!, labels: p.labels, numClasses: K };
    for (const id of calibratorsFor(K)) {
      it(`${id}, K = ${K}: the form gives the fitted map's probabilities`, () => {
        const fitted = CALIBRATORS[id].fit(data);
        const form = affineFormOf(id, fitted.parameters, K);
        if (CALIBRATORS[id].family === 'binning') {
          expect(form).toBeNull();
          return;
        }
        expect(form).not.toBeNull();
        expect(form!.onLogProbabilities).toBe(id === 'dirichlet');
        const expected = fitted.apply(p.logits!).probs;
        const got = applyAffineForm(form!, p.logits!, K);
        let worst = 0;
        for (let i = 0; i < got.length; i++)
          worst = Math.max(worst, Math.abs(got[i] - expected[i]));
        // The map's probabilities are stored as float32: agreement to float32 rounding.
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }
});
