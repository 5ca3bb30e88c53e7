import { writeFile } from 'node:fs/promises';
import type { AuditRequest } from '../engine/audit';
import { stringifyFinetuneDocument } from '../engine/finetune/document-json';
import type { EngineClient } from '../engine/worker/engine-client';
import { formatPostHocSummary } from './finetune-summary';

/**
 * `calibrate` and `audit --calibrate`: the post-hoc calibrators alone on the audit's scores,
 * printed as the fine-tune's arm table; `jsonFile` gets the post-hoc document.
 */
export async function runPostHoc(
  engine: EngineClient,
  request: AuditRequest,
  options: { jsonFile?: string; signal?: AbortSignal },
): Promise<void> {
  const { document } = await engine.call('calibrate', request, { signal: options.signal });
  process.stdout.write(`${formatPostHocSummary(document)}\n`);
  if (options.jsonFile) {
    await writeFile(options.jsonFile, stringifyFinetuneDocument(document) + '\n');
  }
}
