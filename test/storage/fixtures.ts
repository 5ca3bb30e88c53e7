/**
 * Synthetic audits and fine-tunes for the storage tests: real calibration reports from the core
 * (no tfjs), so that the crash-test child process starts fast.
 */
import { auditPredictions } from '../../src/core';
import {
  METRIC_NAMES,
  type CalibrationReport,
  type MetricEstimate,
  type MetricName,
} from '../../src/core/types';
import type { AuditResult } from '../../src/engine/audit';
import { toAuditDocument } from '../../src/engine/audit-document';
import type {
  FinetuneArm,
  FinetuneArmName,
  FinetuneDocument,
  FinetuneEpoch,
} from '../../src/shared/finetune-document';
import { syntheticPredictions } from '../core/synthetic';

export interface SyntheticAuditOptions {
  n?: number;
  k?: number;
  seed?: number;
  /** Logit scale (above 3 is overconfident). */
  scale?: number;
  /** Label margin; a large one makes every prediction right (AUROC is then NaN). */
  margin?: number;
  modelFingerprint?: string;
  modelName?: string;
  datasetFingerprint?: string;
  datasetPath?: string;
  createdAt?: string;
  bootstrapResamples?: number;
}

/** A deterministic audit of a synthetic K-class model (same options, same result). */
export function syntheticAudit(options: SyntheticAuditOptions = {}): AuditResult {
  const {
    n = 300,
    k = 4,
    seed = 1,
    scale = 4,
    margin = 3,
    modelFingerprint = 'model-fingerprint-a',
    modelName = 'synthetic-model',
    datasetFingerprint = 'dataset-fingerprint-a',
    datasetPath = '/data/synthetic.csv',
    createdAt = '2025-01-01T00:00:00.000Z',
    bootstrapResamples = 20,
  } = options;
  const predictions = syntheticPredictions(n, k, seed, { scale, margin });
  const report = auditPredictions(predictions, { bootstrapResamples });
  const classNames = Array.from({ length: k }, (_, c) => `class ${c}`);
  const ids = Array.from({ length: n }, (_, i) => `row:${i + 1}`);
  const countsPerClass = new Array<number>(k).fill(0);
  for (const y of predictions.labels) countsPerClass[y]++;
  const document = toAuditDocument(
    report,
    ids,
    {
      model: {
        file: `/models/${modelName}/model.json`,
        name: modelName,
        format: 'layers',
        inputShape: [8],
        numClasses: k,
        classNames,
        parameters: 1234,
        output: 'softmax',
        fingerprint: modelFingerprint,
      },
      scores: null,
      dataset: {
        path: datasetPath,
        format: 'csv',
        sampleCount: n,
        countsPerClass,
        fingerprint: datasetFingerprint,
        skipped: [],
      },
    },
    {
      backend: 'cpu',
      backendFallbacks: ['tensorflow: not installed'],
      modelFingerprint,
      datasetFingerprint,
      sampleCount: n,
      classNames,
      appVersion: '0.1.0',
      createdAt,
      outputKind: 'softmax',
      scaling: '0-1',
      inferenceSeconds: 0.5,
      metricsSeconds: 0.1,
    },
  );
  return {
    document,
    samples: {
      ids,
      labels: predictions.labels,
      probs: predictions.probs,
      logits: predictions.logits ?? new Float32Array(n * k),
    },
  };
}

export interface SyntheticFinetuneOptions {
  alpha?: number;
  exportedModel?: string | null;
  createdAt?: string;
}

/**
 * A fine-tune document of the audit's model with four arms measured on synthetic predictions
 * (the numbers are real reports, the training is not); epoch 2's loss is NaN to test NaN.
 */
export function syntheticFinetune(
  audit: AuditResult,
  options: SyntheticFinetuneOptions = {},
): FinetuneDocument {
  const {
    alpha = 0.1,
    exportedModel = '/models/smoothed',
    createdAt = '2025-02-01T00:00:00.000Z',
  } = options;
  const doc = audit.document;
  const k = doc.numClasses;
  const n = 200;
  const reportAt = (scale: number, seed: number): CalibrationReport =>
    auditPredictions(syntheticPredictions(n, k, seed, { scale }), { bootstrapResamples: 10 });
  const arm = (
    name: FinetuneArmName,
    label: string,
    report: CalibrationReport,
    armAlpha: number | null,
    temperature: number | null,
  ): FinetuneArm => ({
    name,
    label,
    alpha: armAlpha,
    temperature,
    metrics: report.metrics,
    bins: report.bins,
    confidenceHistogram: report.confidenceHistogram,
    logitGap: report.logitGap,
    riskCoverage: report.riskCoverage,
    calibration: { nll: report.metrics.nll.value, ece: report.metrics.ece.value },
  });
  const arms = {
    original: arm('original', 'original model', reportAt(5, 11), null, null),
    control: arm('control', 'fine-tuned without smoothing', reportAt(4.5, 11), 0, null),
    smoothed: arm('smoothed', `label smoothing (α = ${alpha})`, reportAt(3, 11), alpha, null),
    temperature: arm('temperature', 'temperature scaling', reportAt(3.2, 11), null, 1.4),
  };
  const minus = (
    b: Record<MetricName, MetricEstimate>,
    a: Record<MetricName, MetricEstimate>,
  ): Record<MetricName, MetricEstimate> =>
    Object.fromEntries(
      METRIC_NAMES.map((m) => {
        const value = b[m].value - a[m].value;
        return [m, { value, ci95: [value - 0.01, value + 0.01] }];
      }),
    ) as Record<MetricName, MetricEstimate>;
  const history: FinetuneEpoch[] = [1, 2, 3].flatMap((epoch) =>
    (['control', 'smoothed'] as const).map((trained) => ({
      arm: trained,
      alpha: trained === 'control' ? 0 : alpha,
      epoch,
      loss: epoch === 2 && trained === 'smoothed' ? NaN : 1 / epoch,
      accuracy: 0.8 + epoch / 100,
      calibrationEce: 0.05 / epoch,
      seconds: 1.5,
    })),
  );
  const part = (size: number, offset: number) => ({
    path: doc.dataset.path,
    size,
    countsPerClass: new Array<number>(k).fill(size / k),
    ids: Array.from({ length: size }, (_, i) => `row:${offset + i + 1}`),
  });
  return {
    schema: 'calibration-audit/finetune',
    schemaVersion: 1,
    settings: {
      alpha,
      alphas: [alpha],
      epochs: 3,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 0.0001,
      layers: 'head',
      trainableLayers: ['dense_2'],
      trainableParameters: 36,
      frozenBatchNormLayers: [],
      loss: 'softmax-cross-entropy',
      seed: 0,
      splitFractions: { finetune: 0.5, calibration: 0.25, evaluation: 0.25 },
      bins: 15,
      bootstrapResamples: 10,
      alphaSelection: 'given',
    },
    split: {
      source: 'split',
      finetune: part(4 * k, 0),
      calibration: part(2 * k, 4 * k),
      evaluation: part(2 * k, 6 * k),
    },
    arms,
    deltas: {
      control: minus(arms.control.metrics, arms.original.metrics),
      smoothed: minus(arms.smoothed.metrics, arms.original.metrics),
      temperature: minus(arms.temperature.metrics, arms.original.metrics),
    },
    smoothingEffect: minus(arms.smoothed.metrics, arms.control.metrics),
    alpha,
    sweep: null,
    history,
    tradeOffs: ['ECE falls; accuracy is unchanged.'],
    optimumLogitGap: {
      alpha,
      numClasses: k,
      value: Math.log((1 - alpha + alpha / k) / (alpha / k)),
    },
    provenance: {
      backend: 'cpu',
      backendFallbacks: [],
      modelFingerprint: doc.provenance.modelFingerprint,
      datasetFingerprint: doc.provenance.datasetFingerprint,
      trainDatasetFingerprint: null,
      classNames: doc.provenance.classNames,
      appVersion: '0.1.0',
      createdAt,
      outputKind: doc.provenance.outputKind,
      scaling: doc.provenance.scaling ?? '0-1',
      trainingSeconds: 9,
      totalSeconds: 12,
    },
    model: doc.model!,
    dataset: doc.dataset,
    trainDataset: null,
    exportedModel,
  };
}

/** Byte-for-byte equality of two typed arrays or buffers (toEqual is slow on millions of values). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
