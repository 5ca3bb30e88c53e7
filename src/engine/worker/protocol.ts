import type { PairedBootstrapOptions } from '../../core/bootstrap';
import type { MetricEstimate, MetricName, Predictions } from '../../core/types';
import type { EngineBackend } from '../../shared/api';
import type { CsvPreview, DatasetSummary, ModelSummary } from '../../shared/audit-document';
import type { AuditProgress, AuditRequest, AuditResult } from '../audit';
import type { FinetuneProgress, FinetuneRequest, FinetuneResult } from '../finetune/finetune';
import type { SampleValue } from '../data/types';
import type { PostHocRequest, PostHocResult } from '../finetune/post-hoc-only';
import type { SortedInputs } from '../input-kind';
import type { TestSetRequest } from '../session';

/** Each engine call: its argument and its result. */
export interface EngineCalls {
  audit: [AuditRequest, AuditResult];
  /** Starts the backend if it is not running yet, and names it. */
  backend: [Record<string, never>, EngineBackend];
  inspectModel: [{ modelPath: string }, ModelSummary];
  inspectTestSet: [TestSetRequest, DatasetSummary];
  previewCsv: [TestSetRequest, CsvPreview | null];
  sortInputs: [{ paths: string[] }, SortedInputs];
  thumbnail: [TestSetRequest & { sampleId: string }, Uint8Array | null];
  /** A CSV row's columns and values; null for other test sets. */
  sampleValues: [TestSetRequest & { sampleId: string }, SampleValue[] | null];
  finetune: [FinetuneRequest, FinetuneResult];
  /** The post-hoc calibrators alone on an audit's scores (a score file, or a model run). */
  calibrate: [PostHocRequest, PostHocResult];
  /** b − a for every metric with paired-bootstrap intervals (comparing two saved audits). */
  pairedDeltas: [
    { a: Predictions; b: Predictions; options: PairedBootstrapOptions },
    Record<MetricName, MetricEstimate>,
  ];
}
export type EngineMethod = keyof EngineCalls;

/** Progress of any call: an audit's (no `task` field) or a fine-tune's (`task: 'finetune'`). */
export type EngineProgress = AuditProgress | FinetuneProgress;
/** The progress a given call reports. */
export type EngineProgressOf<M extends EngineMethod> = M extends 'finetune'
  ? FinetuneProgress
  : AuditProgress;

/** Messages from a host process to the engine (worker thread or Electron utility process). */
export type EngineCommand =
  | {
      [M in EngineMethod]: { type: 'call'; id: number; method: M; argument: EngineCalls[M][0] };
    }[EngineMethod]
  | { type: 'cancel'; id: number };

export type EngineFailure =
  | { kind: 'input'; file: string; message: string }
  | { kind: 'cancelled'; message: string }
  | { kind: 'internal'; message: string };

/** Messages from the engine back to its host. */
export type EngineEvent =
  | { type: 'progress'; id: number; progress: EngineProgress }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: EngineFailure };
