import { describe, expect, it } from 'vitest';
import {
  COMPARED_METRICS,
  deltaInterval,
  layersLabel,
  metricDelta,
  significance,
  SIGNIFICANCE_TEXT,
} from '../../../../../src/renderer/src/components/finetune/finetune-format';

const brier = COMPARED_METRICS.find((c) => c.key === 'brier')!;
const ece = COMPARED_METRICS.find((c) => c.key === 'ece')!;

describe('fine-tune deltas', () => {
  it('never writes "±0.0000" beside a significance tag', () => {
    // A Brier change of 0.00003 whose interval excludes 0: shown with the digits it needs.
    const delta = { value: 0.00003, ci95: [0.00001, 0.00005] as [number, number] };
    expect(metricDelta(brier, delta.value)).toBe('+0.000030');
    expect(significance(brier.better, delta)).toBe('worse');
    expect(deltaInterval(brier, delta)).toBe('+0.000010 to +0.000050');
    expect(metricDelta(brier, 0)).toBe('0.0000');
  });

  it('reads "no clear change" when the interval includes 0', () => {
    const delta = { value: -0.0005, ci95: [-0.002, 0.001] as [number, number] };
    const sig = significance(ece.better, delta);
    expect(sig).toBe('unclear');
    expect(SIGNIFICANCE_TEXT[sig]).toBe('no clear change');
    expect(deltaInterval(ece, delta)).toBe('−0.20 to +0.10 pts');
  });

  it('writes layer counts in the singular', () => {
    expect(layersLabel('last:1')).toBe('last layer');
    expect(layersLabel('last:3')).toBe('last 3 layers');
  });
});
