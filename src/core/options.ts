import type { AuditOptions } from './types';

export const DEFAULT_AUDIT_OPTIONS: Readonly<AuditOptions> = Object.freeze({
  bins: 15,
  bootstrapResamples: 1000,
  seed: 0,
  confidenceThreshold: 0.9,
  binGapMargin: 0.02,
  classGapRatio: 2,
  maxFlaggedSamples: 500,
});

/** Fills in defaults (an undefined field counts as absent) and rejects values that make no sense. */
export function resolveAuditOptions(options: Partial<AuditOptions> = {}): AuditOptions {
  const resolved: AuditOptions = {
    bins: options.bins ?? DEFAULT_AUDIT_OPTIONS.bins,
    bootstrapResamples: options.bootstrapResamples ?? DEFAULT_AUDIT_OPTIONS.bootstrapResamples,
    seed: options.seed ?? DEFAULT_AUDIT_OPTIONS.seed,
    confidenceThreshold: options.confidenceThreshold ?? DEFAULT_AUDIT_OPTIONS.confidenceThreshold,
    binGapMargin: options.binGapMargin ?? DEFAULT_AUDIT_OPTIONS.binGapMargin,
    classGapRatio: options.classGapRatio ?? DEFAULT_AUDIT_OPTIONS.classGapRatio,
    maxFlaggedSamples: options.maxFlaggedSamples ?? DEFAULT_AUDIT_OPTIONS.maxFlaggedSamples,
  };
  requireInteger('bins', resolved.bins, 1);
  requireInteger('bootstrapResamples', resolved.bootstrapResamples, 0);
  requireInteger('maxFlaggedSamples', resolved.maxFlaggedSamples, 0);
  if (!Number.isFinite(resolved.seed)) throw new RangeError(`seed must be a finite number`);
  requireFinite('confidenceThreshold', resolved.confidenceThreshold);
  requireFinite('binGapMargin', resolved.binGapMargin);
  requireFinite('classGapRatio', resolved.classGapRatio);
  return resolved;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new RangeError(`${name} must be a finite number, got ${value}`);
}
