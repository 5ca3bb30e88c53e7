import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { open } from 'node:fs/promises';
import { InputError } from '../input-error.js';
import { isIdxName } from './idx-files.js';
import { sniffImageType } from './image-decode.js';
import { notTextReason, SNIFF_BYTES } from './sniff.js';
import { ByteReader, isGzipFile } from './streams.js';
import type { DatasetFormat } from './types.js';

const TEXT_EXTENSIONS = new Set(['.csv', '.txt']);

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** IDX magic: two zero bytes, the value type, the number of dimensions. */
function looksLikeIdx(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] >= 0x08 && head[3] >= 1;
}

async function gunzippedHead(path: string): Promise<Uint8Array> {
  const reader = await ByteReader.open(path);
  try {
    return await reader.read(4);
  } catch {
    return new Uint8Array(0);
  } finally {
    await reader.close();
  }
}

/**
 * The one CSV file of a folder that holds nothing else but hidden files (a folder holding just
 * `test.csv`, as a browser upload of a folder does); null otherwise.
 */
async function loneCsvIn(folder: string): Promise<string | null> {
  const entries = (await readdir(folder, { withFileTypes: true })).filter(
    (entry) => !entry.name.startsWith('.'),
  );
  if (entries.length !== 1 || !entries[0].isFile()) return null;
  return TEXT_EXTENSIONS.has(extname(entries[0].name).toLowerCase())
    ? join(folder, entries[0].name)
    : null;
}

/** The file a test set is read from: a folder holding only one CSV is read as that CSV. */
export async function datasetFile(path: string): Promise<string> {
  const info = await stat(path).catch(() => null);
  return info?.isDirectory() ? ((await loneCsvIn(path)) ?? path) : path;
}

/**
 * A folder is an IDX pair if it holds IDX-named files, else an image folder; a file is told
 * by its name (IDX names) and then its content (IDX magic, text for CSV).
 */
export async function detectDatasetFormat(path: string): Promise<DatasetFormat> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new InputError(path, 'does not exist');
  if (info.isDirectory()) {
    const names = await readdir(path);
    if (names.some(isIdxName)) return 'idx';
    return (await loneCsvIn(path)) ? 'csv' : 'image-folder';
  }
  if (!info.isFile()) throw new InputError(path, 'is neither a file nor a folder');
  if (isIdxName(basename(path))) return 'idx';

  const gzip = await isGzipFile(path);
  const head = gzip ? await gunzippedHead(path) : await readHead(path, SNIFF_BYTES);
  if (looksLikeIdx(head)) return 'idx';
  if (gzip) throw new InputError(path, 'is gzip-compressed but not an IDX file');
  if (sniffImageType(head)) {
    throw new InputError(
      path,
      'is a single image: choose the folder that holds one subfolder of images per class',
    );
  }
  // Binary content is refused here, at once, whatever the name says and however large the file is.
  const binary = notTextReason(head);
  if (binary === null) return 'csv';
  const named = TEXT_EXTENSIONS.has(extname(path).toLowerCase()) ? ' (whatever its name)' : '';
  throw new InputError(
    path,
    `${binary}, so it is not a test set this app reads${named}: expected a folder of class subfolders, a CSV file or an IDX file`,
  );
}
