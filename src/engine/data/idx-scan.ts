import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { InputError } from '../input-error.js';
import { fileChunks, isGzipFile } from './streams.js';

/** One file of an IDX pair as its header describes it. */
export interface IdxBody {
  path: string;
  headerBytes: number;
  recordBytes: number;
  count: number;
  what: 'images' | 'labels';
}

function lengthError({ path, what, count, headerBytes, recordBytes }: IdxBody, length: number) {
  const held = Math.floor(Math.max(0, length - headerBytes) / recordBytes);
  return held < count
    ? new InputError(
        path,
        `is truncated: its header declares ${count} ${what} but the file holds ${held}`,
      )
    : new InputError(
        path,
        `is longer than its header says: it declares ${count} ${what} but holds more data`,
      );
}

/** Uncompressed files can be checked against their header at once, before reading anything. */
export async function checkRawLength(body: IdxBody): Promise<void> {
  if (await isGzipFile(body.path)) return;
  const size = (await stat(body.path)).size;
  if (size !== body.headerBytes + body.recordBytes * body.count) throw lengthError(body, size);
}

/** Streams a whole file: its sha256, checking its length, optionally seeing each data byte. */
export async function scanFile(
  body: IdxBody,
  signal: AbortSignal | undefined,
  onData?: (data: Buffer, offset: number) => void,
): Promise<string> {
  const hash = createHash('sha256');
  const header = body.headerBytes;
  const expected = header + body.recordBytes * body.count;
  let length = 0;
  for await (const chunk of fileChunks(body.path, signal)) {
    hash.update(chunk);
    if (onData) {
      const start = Math.max(0, header - length);
      const end = Math.min(chunk.length, expected - length);
      if (end > start) onData(chunk.subarray(start, end), length + start - header);
    }
    length += chunk.length;
    // A header that claims less than the file holds: stop before reading gigabytes of it.
    if (length > expected) break;
  }
  if (length !== expected) throw lengthError(body, length);
  return hash.digest('hex');
}
