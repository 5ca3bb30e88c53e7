import { histogramBinning } from './binning/histogram';
import { isotonicRegression } from './binning/isotonic';
import { dirichletCalibration } from './scaling/dirichlet';
import { matrixScaling } from './scaling/matrix';
import { plattScaling } from './scaling/platt';
import { temperatureScaling } from './scaling/temperature';
import { vectorScaling } from './scaling/vector';
import type { Calibrator, CalibratorId } from './types';

/**
 * Every post-hoc calibrator, by id. Adding one: a module under scaling/ or binning/ built with
 * `defineCalibrator`, its id in `CALIBRATOR_IDS`, an entry here (the compiler asks for it).
 */
export const CALIBRATORS: Record<CalibratorId, Calibrator> = {
  temperature: temperatureScaling,
  vector: vectorScaling,
  matrix: matrixScaling,
  dirichlet: dirichletCalibration,
  platt: plattScaling,
  histogram: histogramBinning,
  isotonic: isotonicRegression,
};
