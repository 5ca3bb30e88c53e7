import type { AuditDocument } from '../shared/audit-document';
import type { FinetuneDocument, FinetuneEpoch } from '../shared/finetune-document';

/**
 * Documents are kept in the form `--json` writes them (docs/audit-json.md): JSON, with NaN and
 * infinities written as null. Reading them back restores NaN where the type says number:
 * metric estimates ({ value, ci95 }), and the fine-tune's per-epoch numbers and calibration-part
 * scores. Fields that are legitimately null (an empty bin's accuracy) stay null.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? null : v,
  );
}

export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A REAL column read back: NULL (stored for NaN) becomes NaN. */
export function numberOrNaN(value: unknown): number {
  return typeof value === 'number' ? value : NaN;
}

export function parseAuditDocument(text: string): AuditDocument {
  return reviveEstimates(JSON.parse(text)) as AuditDocument;
}

export function parseFinetuneDocument(text: string): FinetuneDocument {
  const document = reviveEstimates(JSON.parse(text)) as FinetuneDocument;
  document.history = reviveHistory(document.history);
  for (const arm of Object.values(document.arms ?? {})) reviveScore(arm.calibration);
  for (const entry of document.sweep ?? []) reviveScore(entry.calibration);
  return document;
}

export function parseHistory(text: string): FinetuneEpoch[] {
  return reviveHistory(JSON.parse(text) as FinetuneEpoch[]);
}

/** Parses JSON of metric estimates (a Record<MetricName, MetricEstimate> or any tree of them). */
export function parseEstimates<T>(text: string): T {
  return reviveEstimates(JSON.parse(text)) as T;
}

/** Every { value, ci95: [low, high] } in the tree gets NaN for its nulls; returns the tree. */
export function reviveEstimates(tree: unknown): unknown {
  if (Array.isArray(tree)) {
    for (const item of tree) reviveEstimates(item);
  } else if (tree !== null && typeof tree === 'object') {
    const record = tree as Record<string, unknown>;
    if ('value' in record && Array.isArray(record.ci95) && record.ci95.length === 2) {
      record.value = nullToNaN(record.value);
      record.ci95 = record.ci95.map((end: unknown) => nullToNaN(end));
    } else {
      for (const value of Object.values(record)) reviveEstimates(value);
    }
  }
  return tree;
}

function reviveHistory(history: FinetuneEpoch[] | null | undefined): FinetuneEpoch[] {
  return (history ?? []).map((epoch) => ({
    ...epoch,
    loss: numberOrNaN(epoch.loss),
    accuracy: numberOrNaN(epoch.accuracy),
    calibrationEce: numberOrNaN(epoch.calibrationEce),
    seconds: numberOrNaN(epoch.seconds),
  }));
}

function reviveScore(score: { nll: number; ece: number } | null | undefined): void {
  if (!score) return;
  score.nll = numberOrNaN(score.nll);
  score.ece = numberOrNaN(score.ece);
}

/** JSON's null where the type says number (it was NaN or infinite) becomes NaN. */
function nullToNaN<T>(value: T | null): T | number {
  return value === null ? NaN : value;
}
