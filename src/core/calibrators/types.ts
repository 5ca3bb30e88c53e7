/**
 * One face for every post-hoc calibrator (after netcal's `AbstractCalibration`): `fit` on held-out
 * logits and labels gives plain-JSON parameters and an `apply` that maps logits of new samples to
 * calibrated probabilities. Input checks live once in `base.ts`.
 */

/** Every registered calibrator, in the order arms are shown. */
export const CALIBRATOR_IDS = [
  'temperature',
  'vector',
  'matrix',
  'dirichlet',
  'platt',
  'histogram',
  'isotonic',
] as const;

export type CalibratorId = (typeof CALIBRATOR_IDS)[number];

/** Scaling maps act on logits (or log-probabilities); binning maps act on probabilities, class by class. */
export type CalibratorFamily = 'scaling' | 'binning';

/** Held-out data a calibrator is fitted on: n × K row-major logits and n labels in [0, K). */
export interface CalibrationData {
  logits: ArrayLike<number>;
  labels: ArrayLike<number>;
  numClasses: number;
}

/** What a fitted map gives for new samples. */
export interface CalibratedOutputs {
  /** n × K row-major probabilities; rows sum to 1. */
  probs: Float32Array;
  /**
   * n × K calibrated logits (log-probabilities up to a constant per row) for the scaling maps;
   * null for binning maps, whose probabilities can be 0 (NLL then clips them).
   */
  logits: Float32Array | null;
}

/** Plain-JSON parameters of a fitted map (documented per calibrator in docs/finetune-json.md). */
export type CalibratorParameters = Record<string, number | number[] | number[][] | string>;

export interface FittedCalibrator {
  id: CalibratorId;
  parameters: CalibratorParameters;
  /** A short plain-language summary of the fitted map, e.g. "T = 1.532". */
  summary: string;
  apply(logits: ArrayLike<number>): CalibratedOutputs;
}

export interface CalibratorInfo {
  id: CalibratorId;
  family: CalibratorFamily;
  /** Plain-language name, e.g. "temperature scaling". */
  name: string;
  /** The paper the method comes from and the library whose convention is followed. */
  reference: string;
  /** Whether the method applies to K classes (Platt scaling: binary only). */
  appliesTo(numClasses: number): boolean;
}

export interface Calibrator extends CalibratorInfo {
  /** Fits the map; `data` is checked first (see `defineCalibrator`). */
  fit(data: CalibrationData): FittedCalibrator;
  /**
   * The fitted map from its saved parameters (e.g. `arms.<arm>.calibrator.parameters` of a
   * fine-tune document): the same numbers as the fit that made them.
   */
  restore(parameters: CalibratorParameters, numClasses: number, summary?: string): FittedCalibrator;
}
