export * from './types';
export { checkCalibrationData, defineCalibrator, softmaxRows, logSoftmaxRows } from './base';
export { CALIBRATORS } from './registry';
export { fitPostHocArms, calibratorsFor, pickRows, type PostHocArm } from './post-hoc';
export { fitAffineMap, applyAffineMap, affineNll, odirPenalty } from './scaling/nll-fit';
export { ODIR_GRID, ODIR_FOLDS } from './scaling/odir';
export { HISTOGRAM_BINS } from './binning/histogram';
export { affineFormOf, applyAffineForm, type AffineForm } from './affine-form';
