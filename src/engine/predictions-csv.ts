import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { topLabel } from '../core';
import type { AuditResult } from './audit';

/**
 * Writes one row per sample, `id,label,prediction,confidence,p_0,...,p_{K-1}` (class indices and the full
 * probability vector), so that anyone can recompute every metric from the file.
 */
export async function writePredictionsCsv(file: string, result: AuditResult): Promise<void> {
  const { ids, labels, probs } = result.samples;
  const k = result.document.numClasses;
  const out = createWriteStream(file);
  const failed = once(out, 'error').then(([error]) => {
    throw error;
  });
  const header = [
    'id',
    'label',
    'prediction',
    'confidence',
    ...Array.from({ length: k }, (_, c) => `p_${c}`),
  ];
  let chunk = header.join(',') + '\n';
  const { prediction, confidence } = topLabel(probs, k);
  for (let i = 0; i < labels.length; i++) {
    const row = [csvField(ids[i]), labels[i], prediction[i], confidence[i]];
    for (let c = 0; c < k; c++) row.push(probs[i * k + c]);
    chunk += row.join(',') + '\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      chunk = '';
    }
  }
  out.end(chunk);
  await Promise.race([once(out, 'finish'), failed]);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
