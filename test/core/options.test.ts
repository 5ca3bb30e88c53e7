import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_OPTIONS, resolveAuditOptions } from '../../src/core/options';

describe('resolveAuditOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveAuditOptions()).toEqual({
      bins: 15,
      bootstrapResamples: 1000,
      seed: 0,
      confidenceThreshold: 0.9,
      binGapMargin: 0.02,
      classGapRatio: 2,
      maxFlaggedSamples: 500,
    });
    expect(resolveAuditOptions({ bins: undefined, seed: 3 })).toEqual({
      ...DEFAULT_AUDIT_OPTIONS,
      seed: 3,
    });
  });

  it('rejects nonsense', () => {
    expect(() => resolveAuditOptions({ bins: 2.5 })).toThrow(/bins/);
    expect(() => resolveAuditOptions({ bootstrapResamples: -1 })).toThrow(/bootstrapResamples/);
    expect(() => resolveAuditOptions({ confidenceThreshold: NaN })).toThrow(/confidenceThreshold/);
  });
});
