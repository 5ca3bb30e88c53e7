import { checkCalibrationData } from './base';
import { CALIBRATORS } from './registry';
import {
  CALIBRATOR_IDS,
  type CalibratedOutputs,
  type CalibratorId,
  type FittedCalibrator,
} from './types';

export interface PostHocArm {
  id: CalibratorId;
  fitted: FittedCalibrator;
  /** The map applied to the calibration part (what it was fitted on; for choosing, never reported). */
  calibration: CalibratedOutputs;
  /** The map applied to the evaluation part. */
  evaluation: CalibratedOutputs;
}

/** The calibrators that apply to K classes (Platt: binary only), in registry order. */
export function calibratorsFor(numClasses: number, only?: readonly CalibratorId[]): CalibratorId[] {
  return CALIBRATOR_IDS.filter(
    (id) => CALIBRATORS[id].appliesTo(numClasses) && (!only || only.includes(id)),
  );
}

/** Rows of an n × K array. */
export function pickRows(
  values: ArrayLike<number>,
  K: number,
  rows: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(rows.length * K);
  for (let r = 0; r < rows.length; r++) {
    for (let k = 0; k < K; k++) out[r * K + k] = values[rows[r] * K + k];
  }
  return out;
}

/**
 * Every applicable calibrator fitted on the calibration part of (logits, labels) and applied to
 * both parts. Pure: works on any logits (a model run, a score file), nothing about tfjs. Platt and
 * the others that do not apply to K are left out; `only` restricts the list.
 */
export function fitPostHocArms(
  data: { logits: ArrayLike<number>; labels: ArrayLike<number>; numClasses: number },
  split: { calibration: ArrayLike<number>; evaluation: ArrayLike<number> },
  only?: readonly CalibratorId[],
): PostHocArm[] {
  const K = data.numClasses;
  checkCalibrationData(data, 'scores');
  const calLogits = pickRows(data.logits, K, split.calibration);
  const calLabels = Int32Array.from(split.calibration, (i) => data.labels[i]);
  const evalLogits = pickRows(data.logits, K, split.evaluation);
  return calibratorsFor(K, only).map((id) => {
    const fitted = CALIBRATORS[id].fit({ logits: calLogits, labels: calLabels, numClasses: K });
    return {
      id,
      fitted,
      calibration: fitted.apply(calLogits),
      evaluation: fitted.apply(evalLogits),
    };
  });
}
