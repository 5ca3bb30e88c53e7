import { APP_VERSION } from '../shared/app-version';
import type { AuditDocument, Provenance } from '../shared/audit-document';
import { toAuditDocument } from './audit-document';
import { selectBackend, type BackendName } from './backend';
import type { PixelScaling } from './data';
import { runInference, type InferenceProgress } from './inference';
import { loadModel, summariseModel } from './model/load-model';
import { openTestSetFor } from './open-test-set';
import { auditPredictionsInParallel, type BootstrapHelper } from './parallel-bootstrap';

export interface AuditRequest {
  modelPath: string;
  dataPath: string;
  labelColumn?: string;
  /** Class names for the model's outputs, in order (`--classes`); over files beside the model. */
  classNames?: string[];
  /** Overrides what the model folder says; default [0, 1]. */
  scaling?: PixelScaling;
  backend?: BackendName;
  bins?: number;
  bootstrapResamples?: number;
  seed?: number;
  confidenceThreshold?: number;
  batchSize?: number;
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
    /** n*K logits (true, or derived; see provenance.outputKind). */
    logits: Float32Array;
  };
}

export interface AuditHooks {
  signal?: AbortSignal;
  onProgress?: (progress: AuditProgress) => void;
  /** A second thread for the bootstrap; without it the intervals are computed on this thread. */
  bootstrapHelper?: BootstrapHelper | null;
}

/** Loads the model and the test set, runs inference, and computes the calibration report. */
export async function runAudit(
  request: AuditRequest,
  hooks: AuditHooks = {},
): Promise<AuditResult> {
  hooks.onProgress?.({ phase: 'loading' });
  const backend = await selectBackend(request.backend);
  const model = await loadModel(request.modelPath, { classNames: request.classNames });
  try {
    const { dataset, scaling } = await openTestSetFor(model, request.dataPath, {
      labelColumn: request.labelColumn,
      scaling: request.scaling,
      signal: hooks.signal,
      onProgress: ({ found, read }) =>
        hooks.onProgress?.({ phase: 'loading', done: read, total: found }),
    });
    const inference = await runInference(model, dataset, {
      batchSize: request.batchSize,
      backend: backend.name,
      signal: hooks.signal,
      onProgress: (progress) => hooks.onProgress?.({ phase: 'inference', ...progress }),
    });
    hooks.onProgress?.({ phase: 'metrics' });
    const metricsStarted = performance.now();
    const report = await auditPredictionsInParallel(
      {
        numClasses: inference.numClasses,
        labels: inference.labels,
        probs: inference.probs,
        logits: inference.logits,
      },
      {
        bins: request.bins,
        bootstrapResamples: request.bootstrapResamples,
        seed: request.seed,
        confidenceThreshold: request.confidenceThreshold,
      },
      hooks.bootstrapHelper ?? null,
    );
    const provenance: Provenance = {
      backend: backend.name,
      backendFallbacks: backend.fallbacks,
      modelFingerprint: model.info.fingerprint,
      datasetFingerprint: dataset.info.fingerprint,
      sampleCount: inference.labels.length,
      classNames:
        model.info.classNames ?? Array.from({ length: model.info.numClasses }, (_, k) => String(k)),
      appVersion: APP_VERSION,
      createdAt: new Date().toISOString(),
      outputKind: model.info.output,
      scaling,
      inferenceSeconds: inference.seconds,
      metricsSeconds: (performance.now() - metricsStarted) / 1000,
    };
    const document = toAuditDocument(
      report,
      inference.ids,
      summariseModel(model.info),
      dataset.info,
      provenance,
    );
    const { ids, labels, probs, logits } = inference;
    return { document, samples: { ids, labels, probs, logits } };
  } finally {
    model.dispose();
  }
}
