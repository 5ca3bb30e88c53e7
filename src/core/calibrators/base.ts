import type {
  CalibrationData,
  Calibrator,
  CalibratorId,
  CalibratorInfo,
  CalibratorParameters,
  CalibratedOutputs,
  FittedCalibrator,
} from './types';

/**
 * Checks held-out data once for every calibrator (netcal's `AbstractCalibration._check_input`):
 * K >= 2, at least one sample, n × K finite logits, whole labels in [0, K).
 */
export function checkCalibrationData(data: CalibrationData, what = 'calibration data'): void {
  const { logits, labels, numClasses: K } = data;
  if (!Number.isInteger(K) || K < 2) {
    throw new RangeError(`${what}: a calibrator needs at least 2 classes, got ${K}`);
  }
  if (labels.length === 0) throw new RangeError(`${what}: no samples to fit a calibrator on`);
  if (logits.length !== labels.length * K) {
    throw new RangeError(
      `${what}: logits has ${logits.length} values, expected ${labels.length}×${K}`,
    );
  }
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) {
      throw new RangeError(`${what}: logit ${i} is not a finite number`);
    }
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= K) {
      throw new RangeError(`${what}: label ${i} is ${y}, expected a class index in [0, ${K})`);
    }
  }
}

/** Checks the logits handed to a fitted map: whole rows of K finite numbers. */
export function checkApplyInput(logits: ArrayLike<number>, numClasses: number): number {
  if (logits.length % numClasses !== 0) {
    throw new RangeError(`logits has ${logits.length} values, not a multiple of ${numClasses}`);
  }
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) throw new RangeError(`logit ${i} is not a finite number`);
  }
  return logits.length / numClasses;
}

/**
 * Builds a calibrator from its description, an unchecked fit and the map its parameters define.
 * The data is checked first; the fitted calibrator applies the map rebuilt from its plain-JSON
 * parameters (`restore`), so a map restored from a saved document gives the same numbers; the
 * map's input is checked on every `apply`.
 */
export function defineCalibrator(
  info: CalibratorInfo,
  fitChecked: (data: CalibrationData) => { parameters: CalibratorParameters; summary: string },
  mapOf: (
    parameters: CalibratorParameters,
    numClasses: number,
  ) => (logits: ArrayLike<number>, n: number) => CalibratedOutputs,
): Calibrator {
  const restore = (
    parameters: CalibratorParameters,
    numClasses: number,
    summary = '',
  ): FittedCalibrator => {
    if (!info.appliesTo(numClasses)) {
      throw new RangeError(`${info.name} does not apply to ${numClasses} classes`);
    }
    const map = mapOf(parameters, numClasses);
    return {
      id: info.id as CalibratorId,
      parameters,
      summary,
      apply(logits) {
        const n = checkApplyInput(logits, numClasses);
        return map(logits, n);
      },
    };
  };
  return {
    ...info,
    restore,
    fit(data: CalibrationData): FittedCalibrator {
      checkCalibrationData(data);
      if (!info.appliesTo(data.numClasses)) {
        throw new RangeError(`${info.name} does not apply to ${data.numClasses} classes`);
      }
      const { parameters, summary } = fitChecked(data);
      return restore(parameters, data.numClasses, summary);
    },
  };
}

/** Row-major softmax of n × K scores (in float64, stored as float32). */
export function softmaxRows(scores: ArrayLike<number>, K: number): Float32Array {
  const n = scores.length / K;
  const out = new Float32Array(n * K);
  for (let i = 0, o = 0; i < n; i++, o += K) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, scores[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(scores[o + k] - max);
    for (let k = 0; k < K; k++) out[o + k] = Math.exp(scores[o + k] - max) / sum;
  }
  return out;
}

/** Row-major log-softmax in float64. */
export function logSoftmaxRows(scores: ArrayLike<number>, K: number): Float64Array {
  const n = scores.length / K;
  const out = new Float64Array(n * K);
  for (let i = 0, o = 0; i < n; i++, o += K) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, scores[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(scores[o + k] - max);
    const lse = max + Math.log(sum);
    for (let k = 0; k < K; k++) out[o + k] = scores[o + k] - lse;
  }
  return out;
}
