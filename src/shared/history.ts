import type { MetricEstimate, MetricName } from '../core/types';
import type { AuditDocument, BackendName } from './audit-document';
import type { FinetuneArmName } from './finetune-document';

/** What the history (src/storage) gives back about saved audits and fine-tunes: plain JSON. */

export interface AuditSummary {
  id: number;
  name: string;
  /** When the audit ran (provenance.createdAt, ISO 8601). */
  created: string;
  /** When it was saved (ISO 8601). */
  saved: string;
  modelName: string;
  modelFingerprint: string;
  testSetName: string;
  datasetFingerprint: string;
  sampleCount: number;
  numClasses: number;
  accuracy: number;
  ece: number;
  backend: BackendName;
  appVersion: string;
  verdict: AuditDocument['verdict']['kind'];
}

export interface AuditComparison {
  a: AuditSummary;
  b: AuditSummary;
  sampleCount: number;
  bins: number;
  bootstrapResamples: number;
  seed: number;
  /** b − a for every metric, with the 95% interval of resampling both with the same draws. */
  deltas: Record<MetricName, MetricEstimate>;
}

export interface TrendPoint {
  id: number;
  name: string;
  created: string;
  datasetFingerprint: string;
  testSetName: string;
  sampleCount: number;
  backend: BackendName;
  accuracy: MetricEstimate;
  ece: MetricEstimate;
  nll: MetricEstimate;
}

/** One arm's headline numbers on the evaluation part (all metrics are in the document). */
export interface FinetuneArmSummary {
  label: string;
  alpha: number | null;
  temperature: number | null;
  accuracy: number;
  ece: number;
  nll: number;
}

export interface FinetuneSummary {
  id: number;
  name: string;
  created: string;
  saved: string;
  auditId: number | null;
  modelName: string;
  modelFingerprint: string;
  datasetFingerprint: string;
  trainDatasetFingerprint: string | null;
  backend: BackendName;
  appVersion: string;
  alpha: number;
  epochs: number;
  layers: string;
  split: {
    source: 'split' | 'separate';
    finetune: number;
    calibration: number;
    evaluation: number;
  };
  arms: Partial<Record<FinetuneArmName, FinetuneArmSummary>>;
  /** The folder the smoothed model was exported to, or null. */
  exportedModel: string | null;
}
