import { describe, expect, it } from 'vitest';
import { postHocScores, scoreArms, scoreOf } from '../../../src/engine/finetune/score-arms';
import { syntheticPredictions } from '../../core/synthetic';

const K = 4;
const cal = syntheticPredictions(800, K, 21, { margin: 2, scale: 5 });
const ev = syntheticPredictions(600, K, 22, { margin: 2, scale: 5 });
const options = { bins: 15, bootstrapResamples: 100, seed: 0 };

describe('postHocScores', () => {
  it('fits every applicable calibrator on the calibration part only', () => {
    const arms = postHocScores(
      { logits: cal.logits!, labels: cal.labels },
      { logits: ev.logits! },
      K,
    );
    expect(arms.map((a) => a.id)).toEqual([
      'temperature',
      'vector',
      'matrix',
      'dirichlet',
      'histogram',
      'isotonic',
    ]);
    // Asking for fewer calibrators gives the same maps.
    const again = postHocScores(
      { logits: cal.logits!, labels: cal.labels },
      { logits: ev.logits! },
      K,
      ['temperature', 'isotonic'],
    );
    expect(again.map((a) => a.id)).toEqual(['temperature', 'isotonic']);
    expect(Array.from(again[1].evaluation.probs)).toEqual(Array.from(arms[5].evaluation.probs));
    for (const arm of arms) {
      expect(arm.evaluation.probs.length).toBe(600 * K);
      expect(arm.map.parameters).toBeTypeOf('object');
      expect(arm.map.family === 'binning' ? arm.evaluation.logits : 1).toBe(
        arm.map.family === 'binning' ? null : 1,
      );
    }
  });
});

describe('scoreArms', () => {
  it('scores every arm, deltas against the original, and the best arm with its lead', () => {
    const post = postHocScores(
      { logits: cal.logits!, labels: cal.labels },
      { logits: ev.logits! },
      K,
    );
    const withLabels = (s: { probs: Float32Array; logits: Float32Array | null }) => ({
      ...s,
      labels: ev.labels,
    });
    const input = (scores: { probs: Float32Array; logits: Float32Array | null }) => ({
      scores,
      calibration: scoreOf(withLabels(scores), K, 15),
      alpha: null,
      map: null,
    });
    const original = { probs: ev.probs, logits: ev.logits! };
    const inputs = {
      original: input(original),
      control: { ...input(original), alpha: 0 },
      smoothed: { ...input(original), alpha: 0.1 },
      temperature: { ...input(post[0].evaluation), map: post[0].map },
      dirichlet: { ...input(post[3].evaluation), map: post[3].map },
      isotonic: { ...input(post[5].evaluation), map: post[5].map },
    };
    const { arms, deltas, best } = scoreArms(inputs, ev.labels, K, options);
    expect(Object.keys(arms)).toEqual([
      'original',
      'control',
      'smoothed',
      'temperature',
      'dirichlet',
      'isotonic',
    ]);
    expect(deltas.control.ece.value).toBe(0);
    expect(deltas.temperature.ece.value).toBeLessThan(0);
    expect(arms.isotonic!.logitGap).toBeNull();
    expect(arms.temperature.label).toMatch(/^original with temperature scaling \(T = \d\.\d{3}\)$/);
    // An overconfident model: a post-hoc map is best on NLL, well ahead of the untouched arms.
    expect(['temperature', 'dirichlet', 'isotonic']).toContain(best.nll.arm);
    expect(best.nll.runnerUp).not.toBe(best.nll.arm);
    expect(best.nll.lead!.value).toBeGreaterThanOrEqual(0);
    expect(best.nll.clear).toBe(best.nll.lead!.ci95[0] > 0);
  });
});
