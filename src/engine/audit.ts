import path from 'node:path';
import { APP_VERSION } from '../shared/app-version';
import type { AuditDocument, AuditNames, Provenance } from '../shared/audit-document';
import { toAuditDocument } from './audit-document';
import type { BackendName } from './backend';
import type { PixelScaling } from './data';
import type { InferenceProgress } from './inference';
import { auditPredictionsInParallel, type BootstrapHelper } from './parallel-bootstrap';
import { modelScoresSource } from './scores/model-source';
import { scoreFileSource } from './scores/score-file-source';
import type { ScoresSource } from './scores/scores-source';

interface AuditOptionsRequest {
  /**
   * What to call the model and test set (the names of what the user gave, see AuditDocument.names);
   * default: the model's own name (its metadata, else its file or folder) and the test set's base name.
   */
  names?: Partial<AuditNames>;
  bins?: number;
  bootstrapResamples?: number;
  seed?: number;
  confidenceThreshold?: number;
}

/** A model run over a test set. */
export interface ModelAuditRequest extends AuditOptionsRequest {
  modelPath: string;
  dataPath: string;
  labelColumn?: string;
  /** Class names for the model's outputs, in order (`--classes`); over files beside the model. */
  classNames?: string[];
  /** Overrides what the model folder says; default [0, 1]. */
  scaling?: PixelScaling;
  backend?: BackendName;
  batchSize?: number;
  scoresPath?: undefined;
}

/** A score file: per-sample labels and probabilities or logits, no model. */
export interface ScoreFileAuditRequest extends AuditOptionsRequest {
  scoresPath: string;
  labelColumn?: string;
  /** Class names in class order (--classes). */
  classNames?: string[];
  modelPath?: undefined;
  dataPath?: undefined;
}

export type AuditRequest = ModelAuditRequest | ScoreFileAuditRequest;

export function isScoreFileRequest(request: AuditRequest): request is ScoreFileAuditRequest {
  return request.scoresPath !== undefined;
}

export type AuditPhase = 'loading' | 'inference' | 'metrics';
/**
 * While loading, `done` / `total` count the test set's files read / found (image folders); during
 * inference, images predicted / images to predict, with the rate and the time left.
 */
export interface AuditProgress extends Partial<InferenceProgress> {
  phase: AuditPhase;
}

/** One audit: the document (summary, flags, provenance) and the per-sample outputs behind it. */
export interface AuditResult {
  document: AuditDocument;
  samples: {
    ids: string[];
    labels: Int32Array;
    /** n*K probabilities. */
    probs: Float32Array;
    /**
     * n*K logits (true, or derived from a model's probability output; see provenance.outputKind);
     * null for a score file of probabilities, where log-probabilities stand in (`logitsOrLogProbs`).
     */
    logits: Float32Array | null;
  };
}

export interface AuditHooks {
  signal?: AbortSignal;
  onProgress?: (progress: AuditProgress) => void;
  /** A second thread for the bootstrap; without it the intervals are computed on this thread. */
  bootstrapHelper?: BootstrapHelper | null;
}

/** Where an audit's per-sample scores come from: a model run over a test set, or a score file. */
export function scoresSourceFor(request: AuditRequest): ScoresSource {
  return isScoreFileRequest(request) ? scoreFileSource(request) : modelScoresSource(request);
}

/** Gets the per-sample scores (model + test set, or a score file) and computes the calibration report. */
export async function runAudit(
  request: AuditRequest,
  hooks: AuditHooks = {},
): Promise<AuditResult> {
  const scored = await scoresSourceFor(request).read({
    signal: hooks.signal,
    onProgress: (progress) => hooks.onProgress?.(progress),
  });
  hooks.signal?.throwIfAborted();
  hooks.onProgress?.({ phase: 'metrics' });
  const metricsStarted = performance.now();
  const report = await auditPredictionsInParallel(
    {
      numClasses: scored.numClasses,
      labels: scored.labels,
      probs: scored.probs,
      logits: scored.logits,
    },
    {
      bins: request.bins,
      bootstrapResamples: request.bootstrapResamples,
      seed: request.seed,
      confidenceThreshold: request.confidenceThreshold,
    },
    hooks.bootstrapHelper ?? null,
    {
      signal: hooks.signal,
      onProgress: (done, total) => hooks.onProgress?.({ phase: 'metrics', done, total }),
    },
  );
  const provenance: Provenance = {
    backend: scored.backend.name,
    backendFallbacks: scored.backend.fallbacks,
    modelFingerprint: scored.model?.fingerprint ?? scored.scores!.fingerprint,
    datasetFingerprint: scored.dataset.fingerprint,
    sampleCount: scored.labels.length,
    classNames: scored.classNames,
    appVersion: APP_VERSION,
    createdAt: new Date().toISOString(),
    outputKind: scored.outputKind,
    scaling: scored.scaling,
    inferenceSeconds: scored.seconds,
    metricsSeconds: (performance.now() - metricsStarted) / 1000,
  };
  const ids = scored.ids ?? rowIds(scored.labels.length);
  const defaults = namesFromPaths(request);
  const document = {
    ...toAuditDocument(report, ids, scored, provenance),
    names: {
      model: request.names?.model ?? scored.model?.name ?? scored.scores?.name ?? defaults.model,
      testSet: request.names?.testSet ?? defaults.testSet,
    },
  };
  const { labels, probs, logits } = scored;
  return { document, samples: { ids, labels, probs, logits } };
}

/** The base names of what was given: a model.json file is named by its folder. */
export function namesFromPaths(request: AuditRequest): AuditNames {
  const base = (p: string) => path.basename(p.replace(/[\\/]+$/, '')) || p;
  const modelName = (p: string) =>
    /^model\.json$/i.test(path.basename(p)) ? base(path.dirname(p)) : base(p);
  if (isScoreFileRequest(request)) {
    const name = base(request.scoresPath);
    return { model: name, testSet: name };
  }
  return { model: modelName(request.modelPath), testSet: base(request.dataPath) };
}

/** row:1..row:n, for samples that have no ids of their own. */
function rowIds(n: number): string[] {
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = `row:${i + 1}`;
  return ids;
}
