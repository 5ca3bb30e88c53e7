import type { FinetuneDocument, PostHocDocument } from '../../shared/finetune-document';

/** JSON with NaN and infinities written as null (JSON has no NaN). */
export function stringifyFinetuneDocument(document: FinetuneDocument | PostHocDocument): string {
  const finiteOrNull = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value;
  return JSON.stringify(document, finiteOrNull, 2);
}
