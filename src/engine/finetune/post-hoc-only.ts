import {
  pickRows,
  resolveAuditOptions,
  stratifiedSplit,
  type CalibratorId,
  CALIBRATOR_IDS,
} from '../../core';
import { APP_VERSION } from '../../shared/app-version';
import type {
  FinetuneArms,
  FinetunePart,
  PostHocArms,
  PostHocDocument,
} from '../../shared/finetune-document';
import { scoresSourceFor, type AuditHooks, type AuditRequest } from '../audit';
import { InputError } from '../input-error';
import { logitsOrLogProbs } from '../scores/score-file-source';
import { postHocScores, scoreArms, scoreOf, type ArmInput } from './score-arms';
import { describePostHocTradeOffs } from './trade-offs';

/** An audit's input (a score file, or a model and a test set) and the comparison's settings. */
export type PostHocRequest = AuditRequest & {
  /** The calibrators to run (those that apply to K); default every registered one. */
  calibrators?: CalibratorId[];
};

export interface PostHocResult {
  document: PostHocDocument;
}

/** Calibration / evaluation halves of the rows (stratified, seeded), as a fine-tune with a separate set. */
export const POST_HOC_SPLIT = { finetune: 0, calibration: 0.5, evaluation: 0.5 } as const;

/** Why a fine-tune is not offered, in one sentence. */
export function finetuneNotOffered(model: { notTrainable?: string | null } | null): string {
  if (!model) {
    return 'A score file holds predictions, not the model, so nothing can be fine-tuned: only post-hoc calibrators, which need nothing but the scores, are compared.';
  }
  if (model.notTrainable) {
    return `This model ${model.notTrainable.replace(/\.$/, '')}, so only post-hoc calibrators, which need nothing but its outputs, are compared.`;
  }
  return 'This model can also be fine-tuned (calibration-audit finetune); here only the post-hoc calibrators are compared.';
}

/**
 * The post-hoc calibrators alone (no fine-tune): reads the scores as an audit does (a score file,
 * or a model run over a test set, e.g. ONNX), splits the rows into calibration and evaluation
 * halves with the fine-tune's stratified split, fits every applicable registered calibrator on the
 * calibration half (on the logits, or on log-probabilities when only probabilities were given),
 * and measures every arm on the evaluation half with paired-bootstrap deltas against the
 * original and the best arm on NLL and on ECE, exactly as the fine-tune's comparison does.
 */
export async function runPostHocComparison(
  request: PostHocRequest,
  hooks: AuditHooks = {},
): Promise<PostHocResult> {
  const started = performance.now();
  const { bins, bootstrapResamples, seed } = resolveAuditOptions({
    bins: request.bins,
    bootstrapResamples: request.bootstrapResamples,
    seed: request.seed,
  });
  const only = request.calibrators ?? [...CALIBRATOR_IDS];
  for (const id of only) {
    if (!CALIBRATOR_IDS.includes(id)) {
      throw new RangeError(`unknown calibrator ${id}; known: ${CALIBRATOR_IDS.join(', ')}`);
    }
  }
  if (!only.includes('temperature')) only.unshift('temperature');
  const scored = await scoresSourceFor(request).read({
    signal: hooks.signal,
    onProgress: (progress) => hooks.onProgress?.(progress),
  });
  hooks.signal?.throwIfAborted();
  hooks.onProgress?.({ phase: 'metrics' });
  const K = scored.numClasses;
  const n = scored.labels.length;
  const split = stratifiedSplit(scored.labels, POST_HOC_SPLIT, seed);
  const source = request.scoresPath ?? request.dataPath;
  if (split.calibration.length < 2 || split.evaluation.length < 2) {
    throw new InputError(
      source,
      `has ${n} labelled samples: too few to fit calibrators on one half and measure them on the other.`,
    );
  }
  const logits = logitsOrLogProbs(scored);
  const labelsOf = (rows: Int32Array) => Int32Array.from(rows, (i) => scored.labels[i]);
  const calibration = {
    logits: pickRows(logits, K, split.calibration),
    probs: pickRows(scored.probs, K, split.calibration),
    labels: labelsOf(split.calibration),
  };
  const evaluation = {
    logits: pickRows(logits, K, split.evaluation),
    probs: pickRows(scored.probs, K, split.evaluation),
    labels: labelsOf(split.evaluation),
  };
  const postHoc = postHocScores(calibration, evaluation, K, only);
  const original = (part: typeof calibration) => ({
    probs: part.probs,
    // A score file of probabilities has no logits: NLL from the clipped probabilities, as its audit.
    logits: scored.logits ? part.logits : null,
  });
  const inputs: Partial<Record<string, ArmInput>> = {
    original: {
      scores: original(evaluation),
      calibration: scoreOf({ ...original(calibration), labels: calibration.labels }, K, bins),
      alpha: null,
      map: null,
    },
  };
  for (const arm of postHoc) {
    inputs[arm.id] = {
      scores: arm.evaluation,
      calibration: scoreOf({ ...arm.calibration, labels: calibration.labels }, K, bins),
      alpha: null,
      map: arm.map,
    };
  }
  // scoreArms loops over the arms present; a post-hoc comparison has no fine-tuned ones.
  const { arms, deltas, best } = scoreArms(
    inputs as unknown as FinetuneArms<ArmInput>,
    evaluation.labels,
    K,
    { bins, bootstrapResamples, seed },
  );
  const postHocArms = arms as unknown as PostHocArms<(typeof arms)['original']>;
  const postHocDeltas = deltas as unknown as PostHocDocument['deltas'];
  const ids = scored.ids ?? null;
  const part = (rows: Int32Array): FinetunePart => {
    const counts = new Array<number>(K).fill(0);
    for (const i of rows) counts[scored.labels[i]]++;
    return {
      path: source,
      size: rows.length,
      countsPerClass: counts,
      ids: Array.from(rows, (i) => (ids ? ids[i] : `row:${i + 1}`)),
    };
  };
  const document: PostHocDocument = {
    schema: 'calibration-audit/post-hoc',
    schemaVersion: 1,
    finetuneNotOffered: finetuneNotOffered(scored.model),
    settings: {
      seed,
      splitFractions: { calibration: 0.5, evaluation: 0.5 },
      bins,
      bootstrapResamples,
      calibrators: postHoc.map((arm) => arm.id),
      // A model that outputs probabilities gives log p as its "logits" (see class-scores.ts).
      input:
        scored.logits &&
        scored.outputKind !== 'probabilities' &&
        scored.outputKind !== 'sigmoid-probability'
          ? 'logits'
          : 'log-probabilities',
    },
    split: { calibration: part(split.calibration), evaluation: part(split.evaluation) },
    arms: postHocArms,
    deltas: postHocDeltas,
    best,
    tradeOffs: describePostHocTradeOffs({
      arms: postHocArms,
      deltas: postHocDeltas,
      best,
      bootstrapResamples,
    }),
    provenance: {
      backend: scored.backend.name,
      modelFingerprint: scored.model?.fingerprint ?? scored.scores?.fingerprint ?? '',
      datasetFingerprint: scored.dataset.fingerprint,
      classNames: scored.classNames,
      appVersion: APP_VERSION,
      createdAt: new Date().toISOString(),
      outputKind: scored.outputKind,
      totalSeconds: (performance.now() - started) / 1000,
    },
    model: scored.model,
    scores: scored.scores,
    dataset: scored.dataset,
  };
  return { document };
}
