import { describe, expect, it } from 'vitest';
import { calibratorsFor, fitPostHocArms, pickRows } from '../../../src/core/calibrators/post-hoc';
import { CALIBRATORS } from '../../../src/core/calibrators/registry';
import { syntheticPredictions } from '../synthetic';

describe('fitPostHocArms (any logits and labels, e.g. a score file)', () => {
  const K = 2;
  const p = syntheticPredictions(600, K, 31, { margin: 2, scale: 5 });
  const calibration = Int32Array.from({ length: 300 }, (_, i) => 2 * i);
  const evaluation = Int32Array.from({ length: 300 }, (_, i) => 2 * i + 1);

  it('fits on the calibration rows only and applies to both parts', () => {
    const arms = fitPostHocArms(
      { logits: p.logits!, labels: p.labels, numClasses: K },
      {
        calibration,
        evaluation,
      },
    );
    expect(arms.map((a) => a.id)).toEqual(calibratorsFor(K));
    expect(calibratorsFor(K)).toContain('platt');
    const direct = CALIBRATORS.platt.fit({
      logits: pickRows(p.logits!, K, calibration),
      labels: Int32Array.from(calibration, (i) => p.labels[i]),
      numClasses: K,
    });
    const platt = arms.find((a) => a.id === 'platt')!;
    expect(platt.fitted.parameters).toEqual(direct.parameters);
    expect(Array.from(platt.evaluation.probs)).toEqual(
      Array.from(direct.apply(pickRows(p.logits!, K, evaluation)).probs),
    );
    expect(platt.calibration.probs.length).toBe(300 * K);
  });

  it('changing labels outside the calibration rows changes no fitted map', () => {
    const labels = Int32Array.from(p.labels);
    for (const i of evaluation) labels[i] = 1 - labels[i];
    const a = fitPostHocArms(
      { logits: p.logits!, labels: p.labels, numClasses: K },
      { calibration, evaluation },
      ['isotonic'],
    );
    const b = fitPostHocArms(
      { logits: p.logits!, labels, numClasses: K },
      { calibration, evaluation },
      ['isotonic'],
    );
    expect(b[0].fitted.parameters).toEqual(a[0].fitted.parameters);
  });

  it('says which calibrators apply', () => {
    expect(calibratorsFor(10)).not.toContain('platt');
    expect(calibratorsFor(10, ['temperature', 'platt'])).toEqual(['temperature']);
  });
});
