import {
  auditPredictions,
  CALIBRATORS,
  correctness,
  expectedCalibrationError,
  fitPostHocArms,
  negativeLogLikelihood,
  negativeLogLikelihoodFromLogits,
  pairedBootstrapDeltas,
  topLabel,
  type CalibratorId,
} from '../../core';
import type { CalibrationReport, MetricEstimate, MetricName, Predictions } from '../../core/types';
import {
  armNamesOf,
  type BestArm,
  type CalibrationPartScore,
  type ComparedArmName,
  type ComparedArms,
  type FinetuneArm,
  type FinetuneArmName,
  type FinetuneArms,
  type FittedMapInfo,
} from '../../shared/finetune-document';

/** One arm's outputs on a part: probabilities, and logits unless a binning map made them. */
export interface ArmScores {
  probs: Float32Array;
  logits: Float32Array | null;
}

export function eceOf(scores: ArmScores & { labels: Int32Array }, K: number, bins: number): number {
  const top = topLabel(scores.probs, K);
  return expectedCalibrationError(top.confidence, correctness(top.prediction, scores.labels), bins);
}

/** NLL (from logits when the arm has them, else clipped probabilities) and ECE on a part. */
export function scoreOf(
  scores: ArmScores & { labels: Int32Array },
  K: number,
  bins: number,
): CalibrationPartScore {
  return {
    nll: scores.logits
      ? negativeLogLikelihoodFromLogits(scores.logits, scores.labels, K)
      : negativeLogLikelihood(scores.probs, scores.labels, K),
    ece: eceOf(scores, K, bins),
  };
}

/** A post-hoc arm: its map, and its outputs on both parts. */
export interface PostHocOutputs {
  id: CalibratorId;
  map: FittedMapInfo;
  calibration: ArmScores;
  evaluation: ArmScores;
}

/**
 * Where calibrators plug in: every registered calibrator that applies to K is fitted on the
 * original model's calibration-part logits only, and applied to both parts.
 */
export function postHocScores(
  calibration: { logits: Float32Array; labels: Int32Array },
  evaluation: { logits: Float32Array },
  K: number,
  only?: readonly CalibratorId[],
): PostHocOutputs[] {
  const nc = calibration.labels.length;
  const ne = evaluation.logits.length / K;
  const logits = new Float32Array((nc + ne) * K);
  logits.set(calibration.logits);
  logits.set(evaluation.logits, nc * K);
  const labels = new Int32Array(nc + ne);
  labels.set(calibration.labels);
  // The evaluation labels are never looked at by a fit; 0 keeps the checks happy.
  const arms = fitPostHocArms(
    { logits, labels, numClasses: K },
    {
      calibration: Int32Array.from({ length: nc }, (_, i) => i),
      evaluation: Int32Array.from({ length: ne }, (_, i) => nc + i),
    },
    only,
  );
  return arms.map((arm) => {
    const c = CALIBRATORS[arm.id];
    return {
      id: arm.id,
      map: {
        id: arm.id,
        name: c.name,
        family: c.family,
        reference: c.reference,
        summary: arm.fitted.summary,
        parameters: arm.fitted.parameters,
      },
      calibration: arm.calibration,
      evaluation: arm.evaluation,
    };
  });
}

export interface ArmInput {
  scores: ArmScores;
  calibration: CalibrationPartScore;
  alpha: number | null;
  map: FittedMapInfo | null;
}

export interface ScoredArms {
  arms: FinetuneArms<FinetuneArm>;
  deltas: ComparedArms<Record<MetricName, MetricEstimate>>;
  best: { nll: BestArm; ece: BestArm };
}

/**
 * Measures every arm on the evaluation part (metrics with bootstrap intervals) and each compared
 * arm against the original with paired-bootstrap deltas; names the best arm on NLL and on ECE and
 * whether its lead over the runner-up is outside the paired interval.
 */
export function scoreArms(
  inputs: FinetuneArms<ArmInput>,
  labels: Int32Array,
  K: number,
  options: { bins: number; bootstrapResamples: number; seed: number },
): ScoredArms {
  const predictions = (scores: ArmScores): Predictions => ({
    numClasses: K,
    labels,
    probs: scores.probs,
    logits: scores.logits,
  });
  const names = armNamesOf(inputs);
  const arms = {} as Partial<Record<FinetuneArmName, FinetuneArm>>;
  const deltas = {} as Partial<Record<ComparedArmName, Record<MetricName, MetricEstimate>>>;
  for (const name of names) {
    const input = inputs[name]!;
    const report = auditPredictions(predictions(input.scores), options);
    arms[name] = toArm(name, report, input);
    if (name !== 'original') {
      deltas[name] = pairedBootstrapDeltas(
        predictions(inputs.original.scores),
        predictions(input.scores),
        options,
      );
    }
  }
  const compared = names.filter((n): n is ComparedArmName => n !== 'original');
  const bestOn = (metric: 'nll' | 'ece'): BestArm => {
    const ranked = [...compared].sort(
      (a, b) => arms[a]!.metrics[metric].value - arms[b]!.metrics[metric].value,
    );
    const [arm, runnerUp] = ranked;
    if (!runnerUp) return { metric, arm, runnerUp: null, lead: null, clear: false };
    const lead = pairedBootstrapDeltas(
      predictions(inputs[arm]!.scores),
      predictions(inputs[runnerUp]!.scores),
      options,
    )[metric];
    const clear = options.bootstrapResamples > 0 && lead.ci95[0] > 0;
    return { metric, arm, runnerUp, lead, clear };
  };
  return {
    arms: arms as FinetuneArms<FinetuneArm>,
    deltas: deltas as ComparedArms<Record<MetricName, MetricEstimate>>,
    best: { nll: bestOn('nll'), ece: bestOn('ece') },
  };
}

function armLabel(name: FinetuneArmName, input: ArmInput): string {
  switch (name) {
    case 'original':
      return 'original model';
    case 'control':
      return 'fine-tuned without smoothing (α = 0)';
    case 'smoothed':
      return `fine-tuned with label smoothing (α = ${input.alpha})`;
    default:
      return `original with ${input.map?.name ?? name} (${input.map?.summary ?? ''})`;
  }
}

function toArm(name: FinetuneArmName, report: CalibrationReport, input: ArmInput): FinetuneArm {
  const temperature = input.map?.parameters.temperature;
  return {
    name,
    label: armLabel(name, input),
    alpha: input.alpha,
    temperature: typeof temperature === 'number' ? temperature : null,
    calibrator: input.map,
    metrics: report.metrics,
    bins: report.bins,
    confidenceHistogram: report.confidenceHistogram,
    logitGap: report.logitGap,
    riskCoverage: report.riskCoverage,
    calibration: input.calibration,
  };
}
