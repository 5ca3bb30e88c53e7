import type { PairedBootstrapOptions } from '../core/bootstrap';
import type { MetricEstimate, MetricName, Predictions } from '../core/types';
import type { AuditResult } from '../engine/audit';
import type { AuditDocument } from '../shared/audit-document';
import type { FinetuneDocument, FinetuneEpoch } from '../shared/finetune-document';
import type { AuditComparison, AuditSummary, FinetuneSummary, TrendPoint } from '../shared/history';
import type { StoredSamples } from './sample-blobs';

export type { StoredSamples };
export type {
  AuditComparison,
  AuditSummary,
  FinetuneArmSummary,
  FinetuneSummary,
  TrendPoint,
} from '../shared/history';

/**
 * The audit and fine-tune history, kept in one SQLite file. Every method either completes or
 * leaves the file as it was; failures a user can act on (locked, read-only, damaged, full) are
 * InputErrors naming the database file. Numbers that are undefined (NaN) come back as NaN.
 */
export interface History {
  /** The database file. */
  readonly file: string;
  /**
   * Where a damaged database found at open was moved (`<file>.corrupt-<timestamp>`) before a
   * fresh one was created; null when the file opened cleanly. The app should tell the user.
   */
  readonly recoveredFrom: string | null;
  /** Opened read-only (HistoryOptions.readOnly): reads work, every write is refused. */
  readonly readOnly: boolean;
  /** The schema version of the file (PRAGMA user_version). */
  readonly schemaVersion: number;

  /** Saves an audit, its model and test set, and its per-sample results; returns its id. */
  saveAudit(result: AuditResult, name?: string): Promise<number>;
  /** Audits, newest first, optionally of one model and/or one test set. */
  listAudits(filter?: AuditFilter): Promise<AuditSummary[]>;
  /** The document and the per-sample arrays as saved (nothing is recomputed). */
  getAudit(id: number): Promise<StoredAudit>;
  renameAudit(id: number, name: string): Promise<void>;
  /** Deletes an audit with its per-sample results and the fine-tunes started from it. */
  deleteAudit(id: number): Promise<void>;
  /**
   * b − a for every metric with paired-bootstrap 95% intervals, for two audits of the same test
   * set (the same samples in the same order); an InputError naming both when the test sets differ.
   * The bootstrap runs in the calling thread: about 0.7 s for 1000 resamples of 10,000 samples
   * of 10 classes, 2.6 s for 60,000; pass fewer resamples or call it off the UI thread.
   */
  compareAudits(a: number, b: number, options?: CompareOptions): Promise<AuditComparison>;
  /** The audits of one model, oldest first, with accuracy, ECE and NLL and their intervals. */
  trend(modelFingerprint: string): Promise<TrendPoint[]>;

  /** Saves a fine-tune (optionally linked to the audit it started from); returns its id. */
  saveFinetune(document: FinetuneDocument, options?: SaveFinetuneOptions): Promise<number>;
  /** Fine-tunes, newest first, optionally of one model or started from one audit. */
  listFinetunes(filter?: FinetuneFilter): Promise<FinetuneSummary[]>;
  getFinetune(id: number): Promise<StoredFinetune>;
  renameFinetune(id: number, name: string): Promise<void>;
  /** Records where the user exported the fine-tuned model (its summary and document both say so). */
  recordFinetuneExport(id: number, where: string): Promise<void>;
  deleteFinetune(id: number): Promise<void>;

  /** Waits for pending calls and closes the file. */
  close(): Promise<void>;
}

export interface HistoryOptions {
  /** How long a write waits for another program's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Opens the file with SQLite's read-only flag: listing and reading work, saving fails with
   * "is read-only". A damaged file is then reported, not moved aside. Default false.
   */
  readOnly?: boolean;
  /**
   * What the caller means to do: `write` (default) may move a damaged history of this app aside and
   * start a fresh one; `read` (listing, showing, comparing) never moves or replaces anything, reports a
   * damaged file, and reads a history in a folder it cannot write (read-only, as immutable).
   */
  access?: 'read' | 'write';
  /**
   * The check run at open: `quick` (PRAGMA quick_check, the default: every page read once),
   * `full` (PRAGMA integrity_check, also cross-checks indexes), or `off`.
   */
  integrityCheck?: 'quick' | 'full' | 'off';
  /**
   * For tests only (the crash test): called inside a write transaction after each step, before
   * COMMIT; `step` is 'audit', 'samples', 'finetune' or 'arms'.
   */
  testHooks?: { insideTransaction?: (step: string) => void | Promise<void> };
}

export interface AuditFilter {
  modelFingerprint?: string;
  datasetFingerprint?: string;
}

export interface StoredAudit {
  summary: AuditSummary;
  /** The document as saved; NaN metric values and intervals are restored from JSON's null. */
  document: AuditDocument;
  samples: StoredSamples;
}

export interface CompareOptions {
  /** Default 1000; 0 gives intervals [value, value]. */
  bootstrapResamples?: number;
  /** Default 0. */
  seed?: number;
  /** Equal-width bins for ECE and its relatives; default audit a's bin count. */
  bins?: number;
  /**
   * Runs the paired bootstrap somewhere else (the app hands it to its engine, off the host's
   * main thread); default: pairedBootstrapDeltas in the calling thread.
   */
  pairedDeltas?: (
    a: Predictions,
    b: Predictions,
    options: PairedBootstrapOptions,
  ) => Promise<Record<MetricName, MetricEstimate>>;
}

export interface SaveFinetuneOptions {
  /** The audit the fine-tune started from; it must be of the same model. */
  auditId?: number;
  /** Default: "<model> fine-tuned (α = <alpha>)". */
  name?: string;
}

export interface FinetuneFilter {
  modelFingerprint?: string;
  auditId?: number;
}

export interface StoredFinetune {
  summary: FinetuneSummary;
  /** The document as saved; NaN metric values and intervals are restored from JSON's null. */
  document: FinetuneDocument;
  history: FinetuneEpoch[];
}
