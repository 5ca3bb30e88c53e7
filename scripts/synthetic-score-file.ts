import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { syntheticPredictions } from './synthetic-predictions';

/** The .npy header for a little-endian array of `descr` and `shape`, padded to 64 bytes (format 1.0). */
export function npyHeader(descr: string, shape: number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const padded = Math.ceil(unpadded / 64) * 64;
  const text = dict + ' '.repeat(padded - unpadded) + '\n';
  const bytes = new Uint8Array(10 + text.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) bytes[10 + i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Writes labels.npy (int64, as numpy saves integers) and probs.npy (float32, n x k) of synthetic
 * overconfident predictions into `dir`, chunk by chunk, so the writer never holds the whole arrays.
 */
export async function writeSyntheticNpyPair(dir: string, n: number, k: number): Promise<void> {
  const labelsOut = createWriteStream(path.join(dir, 'labels.npy'));
  const probsOut = createWriteStream(path.join(dir, 'probs.npy'));
  labelsOut.write(npyHeader('<i8', [n]));
  probsOut.write(npyHeader('<f4', [n, k]));
  const chunk = 100_000;
  for (let start = 0, part = 1; start < n; start += chunk, part++) {
    const rows = Math.min(chunk, n - start);
    const { labels, probs } = syntheticPredictions(rows, k, 'overconfident', part);
    const labels64 = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) labels64[i] = BigInt(labels[i]);
    // Listen for both drains at once: awaiting one first could miss the other's.
    const waits: Promise<unknown>[] = [];
    if (!labelsOut.write(new Uint8Array(labels64.buffer))) waits.push(once(labelsOut, 'drain'));
    if (!probsOut.write(new Uint8Array(probs.buffer))) waits.push(once(probsOut, 'drain'));
    await Promise.all(waits);
  }
  labelsOut.end();
  probsOut.end();
  await Promise.all([once(labelsOut, 'finish'), once(probsOut, 'finish')]);
}
