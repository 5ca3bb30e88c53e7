import type { AuditDocument, AuditNames, PixelScaling } from '../../../shared/audit-document';

/**
 * What an audit's model (or score file) and test set are called: the names of what the user gave
 * (AuditDocument.names), or for audits saved before those were kept, the model's own name and the
 * test set's base name. The same names show live, reopened, in the history and in the PDF.
 */
export function auditNames(document: AuditDocument): AuditNames {
  if (document.names) return document.names;
  const base = document.dataset.path.split(/[\\/]/).filter(Boolean).pop() ?? document.dataset.path;
  return {
    model: document.model?.name ?? document.scores?.name ?? 'scores',
    testSet: base,
  };
}

/** How pixels were scaled ("pixels scaled to [0, 1]"), or null when the test set holds no pixels (CSV, score file). */
export function pixelScaling(document: AuditDocument): string | null {
  const scaling = document.provenance.scaling;
  const format = document.dataset.format;
  if (scaling === null || format === 'csv' || format === 'scores') return null;
  const ranges: Record<PixelScaling, string> = {
    '0-1': 'pixels scaled to [0, 1]',
    '-1-1': 'pixels scaled to [−1, 1]',
    '0-255': 'pixels as [0, 255]',
    imagenet: "pixels normalised with ImageNet's mean and standard deviation",
  };
  return ranges[scaling] ?? scaling;
}

/**
 * The name of an input as the user gave it, or `fallback` (the model's own name) when its label
 * names no file ("3 dropped files"): the rule the host applies to AuditDocument.names.
 */
export function inputName(label: string | undefined, fallback: string | undefined): string {
  const given = label?.trim();
  if (!given || /^\d+ dropped files$|^(model|test set) upload$/.test(given))
    return fallback ?? given ?? '';
  return given;
}
