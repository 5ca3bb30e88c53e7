export * from './types';
export { DEFAULT_AUDIT_OPTIONS, resolveAuditOptions } from './options';
export {
  auditPredictions,
  prepareAudit,
  completeAudit,
  judgeCalibration,
  maxErrorBin,
  type PreparedAudit,
} from './report';
export { Rng } from './random';
export {
  validatePredictions,
  topLabel,
  correctness,
  sortByConfidence,
  type TopLabel,
} from './samples';
export {
  reliabilityBins,
  confidenceHistogram,
  wilsonInterval,
  equalWidthBinIndex,
  Z_95,
} from './binning';
export {
  accuracy,
  averageConfidence,
  overconfidenceGap,
  negativeLogLikelihood,
  negativeLogLikelihoodFromLogits,
  nllPerSampleFromProbs,
  nllPerSampleFromLogits,
  brierScore,
  brierPerSample,
  expectedCalibrationError,
  maxCalibrationError,
  adaptiveCalibrationError,
  classwiseCalibrationError,
  PROB_CLIP,
} from './metrics';
export { smoothEce, smoothEceAtBandwidth, smoothEceDirect } from './smooth-ece';
export { misclassificationAuroc, aurc, riskCoverageCurve } from './ranking';
export { logitGaps, logitGapSummary } from './logit-gap';
export { confusionMatrix, perClassStats } from './per-class';
export { flagConfidentErrors, flagOverconfidentBins, flagClasses } from './flags';
export {
  calibrationVerdict,
  WELL_CALIBRATED_ECE,
  WIDE_ECE_INTERVAL,
  type VerdictInputs,
} from './verdict';
export { computePointEstimates, type PointEstimates } from './point-estimates';
export {
  bootstrapIntervals,
  bootstrapMetricSamples,
  intervalsFromSamples,
  pairedBootstrapDeltas,
  type PairedBootstrapOptions,
} from './bootstrap';
export { quantileSorted, percentileInterval95 } from './quantile';
export { smoothTargets, smoothBinaryTarget, optimumLogitGap } from './label-smoothing';
export {
  stratifiedSplit,
  stratifiedSplitSizes,
  type SplitFractions,
  type SplitIndices,
} from './split';
export { fitTemperature, applyTemperature, MIN_TEMPERATURE, MAX_TEMPERATURE } from './temperature';
export * from './calibrators';
export { isotonicFit, isotonicPredict, type IsotonicFit } from './pav';
export {
  corpReliability,
  type CorpReliability,
  type CorpDecomposition,
  type CorpOptions,
} from './corp';
export { relplotSmoothEce, relplotSmoothEceAt, netcalAce } from './reference-metrics';
export {
  calibrationTests,
  findTest,
  FAMILY_ALPHA,
  MIN_TEST_COUNT,
  FLAG_RULE,
} from './calibration-tests';
export {
  binomialCdf,
  calibrationPValue,
  holmAdjust,
  normalCdf,
  regularizedBeta,
  type GroupMoments,
} from './significance';
export {
  debiasedEce,
  debiasedEceEstimates,
  basicBootstrapInterval,
  expectedAbsNormal,
  BINNED_ECE_METRICS,
} from './ece-bias';
export {
  sampleSizeCaution,
  sampleSizeNotes,
  smallSampleNote,
  SMALL_SAMPLE,
  SMALL_CLASS,
  type SampleSizeCaution,
} from './sample-size';
