import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InputError } from '../input-error.js';
import { checkBatchSize } from './batch-size.js';
import { compareStrings, mapLabelsToClasses } from './class-mapping.js';
import { scanImageFolder } from './folder-scan.js';
import { decodeAhead } from './image-batches.js';
import {
  decodeImage,
  ImageDecodeError,
  readImageHeader,
  SNIFF_BYTES,
  sniffImageType,
  type DecodeTarget,
} from './image-decode.js';
import type { ImageShape } from './image-input.js';
import { imageShapeFor } from './input-shape.js';
import { MAX_IMAGE_FILE_BYTES } from './limits.js';
import { scalePixels } from './scaling.js';
import { encodeThumbnail } from './thumbnail.js';
import type { Batch, DatasetOptions, OpenedDataset, SkippedFile } from './types.js';

/** Files with these names are reported as skipped when they are not images; others are ignored. */
const IMAGE_EXTENSIONS = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.gif',
  '.bmp',
  '.webp',
  '.tif',
  '.tiff',
  '.heic',
  '.heif',
  '.avif',
]);

/** Files read (and their headers checked) at the same time while a folder is opened. */
const OPEN_CHUNK = 16;

function absolute(root: string, relPath: string): string {
  return join(root, ...relPath.split('/'));
}

type ReadResult =
  | { kind: 'ignored' }
  | { kind: 'skipped'; reason: string; bytes?: Uint8Array }
  | { kind: 'image'; bytes: Uint8Array };

/** Reads a file if it is (or is named as) an image; other files are left unread. */
async function readCandidate(file: string): Promise<ReadResult> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    return { kind: 'skipped', reason: `cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    const named = IMAGE_EXTENSIONS.has(extname(file).toLowerCase());
    const { size } = await handle.stat();
    if (!sniffImageType(head.subarray(0, bytesRead))) {
      if (!named) return { kind: 'ignored' };
      const bytes = size <= MAX_IMAGE_FILE_BYTES ? await handle.readFile() : undefined;
      return {
        kind: 'skipped',
        reason:
          'not an image this app reads (PNG, JPEG, GIF, WebP, TIFF or AVIF, judged by its content, not its name)',
        bytes,
      };
    }
    if (size > MAX_IMAGE_FILE_BYTES) {
      return { kind: 'skipped', reason: `too large (${Math.round(size / 2 ** 20)} MB)` };
    }
    return { kind: 'image', bytes: await handle.readFile() };
  } catch (error) {
    return { kind: 'skipped', reason: `cannot be read (${(error as Error).message})` };
  } finally {
    await handle.close();
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof ImageDecodeError) return error.message;
  return `it could not be decoded (${(error as Error).message})`;
}

/** Reads one file and checks its header: the outcome `openImageFolder` keeps for it. */
async function examine(file: string): Promise<{ bytes?: Uint8Array; reason?: string } | null> {
  const result = await readCandidate(file);
  if (result.kind === 'ignored') return null;
  if (result.kind === 'skipped') return { bytes: result.bytes, reason: result.reason };
  try {
    await readImageHeader(result.bytes);
    return { bytes: result.bytes };
  } catch (error) {
    return { bytes: result.bytes, reason: reasonOf(error) };
  }
}

/**
 * A folder with one subfolder of images per class. Opening reads every file once (for the
 * fingerprint) and checks its header; pixels are decoded once, later, batch by batch, ahead of
 * the model (`decodeAhead`). A file that passes its header check but fails to decode is skipped
 * then: `info.skipped`, `sampleCount` and `countsPerClass` are updated as the batches find it.
 */
export async function openImageFolder(
  root: string,
  options: DatasetOptions,
): Promise<OpenedDataset> {
  const { signal, onProgress } = options;
  const scan = await scanImageFolder(root, signal);
  if (scan.classFolders.length === 0) {
    throw new InputError(
      root,
      scan.looseFiles > 0
        ? 'holds files but no class subfolders: put the images in one subfolder per class'
        : 'holds no images: expected one subfolder of images per class',
    );
  }
  const classOf = mapLabelsToClasses(
    scan.classFolders.map((name) => ({ label: name, file: join(root, name) })),
    options,
    root,
    { mode: 'auto', sortedFallback: true },
  );
  const shape: ImageShape = imageShapeFor(options.input, root, null);
  const scaling = options.scaling ?? '0-1';
  const target: DecodeTarget = { ...shape, crop: options.crop ?? 'none' };

  // Every file read once, a chunk at a time (its bytes hashed in sorted order, then dropped).
  const found = scan.files.length;
  let read = 0;
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (!onProgress || (!force && now - lastReport < 100)) return;
    lastReport = now;
    onProgress({ found, read });
  };
  report(true);
  const hash = createHash('sha256').update('image-folder\0');
  const readable: string[] = [];
  const readableClasses: number[] = [];
  // Links that were not followed (see folder-scan.ts) are listed with the unreadable files.
  const skipped: SkippedFile[] = [...scan.skipped];
  const countsPerClass = new Array<number>(options.numClasses).fill(0);
  for (let start = 0; start < found; start += OPEN_CHUNK) {
    signal?.throwIfAborted();
    const chunk = scan.files.slice(start, start + OPEN_CHUNK);
    const outcomes = await Promise.all(
      chunk.map(async ({ relPath }) => {
        const outcome = await examine(absolute(root, relPath));
        read++;
        report(false);
        return outcome;
      }),
    );
    chunk.forEach(({ relPath, classFolder }, i) => {
      const outcome = outcomes[i];
      if (!outcome) return;
      if (outcome.bytes) hash.update(`${relPath}\0${outcome.bytes.length}\0`).update(outcome.bytes);
      if (outcome.reason !== undefined) {
        skipped.push({ file: relPath, reason: outcome.reason });
        return;
      }
      const classIndex = classOf.get(classFolder) as number;
      readable.push(relPath);
      readableClasses.push(classIndex);
      countsPerClass[classIndex]++;
    });
  }
  signal?.throwIfAborted();
  report(true);
  if (readable.length === 0) {
    const first = skipped[0];
    throw new InputError(
      root,
      first
        ? `has no readable images: all ${skipped.length} were skipped (${first.file}: ${first.reason})`
        : 'holds no images in its class subfolders',
    );
  }

  const info = {
    path: root,
    format: 'image-folder' as const,
    sampleCount: readable.length,
    countsPerClass,
    fingerprint: hash.digest('hex'),
    skipped,
  };
  const sampleSize = shape.height * shape.width * shape.channels;
  /** Files found broken while decoding (already counted out of `info`). */
  const failed = new Set<string>();

  async function* batches(batchSize: number, batchSignal?: AbortSignal): AsyncGenerator<Batch> {
    checkBatchSize(batchSize);
    const items = readable
      .map((relPath, i) => ({ relPath, label: readableClasses[i] }))
      .filter((item) => !failed.has(item.relPath));
    const decoded = decodeAhead(
      items,
      batchSize,
      (item) => decodeImage(absolute(root, item.relPath), target),
      batchSignal,
    );
    for await (const results of decoded) {
      const ok = results.filter((r) => 'value' in r);
      const late: SkippedFile[] = [];
      for (const r of results) {
        if (!('error' in r)) continue;
        late.push({ file: r.item.relPath, reason: reasonOf(r.error) });
        if (!failed.has(r.item.relPath)) {
          failed.add(r.item.relPath);
          skipped.push(late[late.length - 1]);
          info.sampleCount--;
          countsPerClass[r.item.label]--;
        }
      }
      const count = ok.length;
      const pixels = new Uint8Array(count * sampleSize);
      const labels = new Int32Array(count);
      const ids: string[] = [];
      ok.forEach((r, i) => {
        pixels.set(r.value.data, i * sampleSize);
        labels[i] = r.item.label;
        ids.push(r.item.relPath);
      });
      const x = new Float32Array(count * sampleSize);
      scalePixels(pixels, scaling, x, 0, shape.channels);
      batchSignal?.throwIfAborted();
      yield {
        ids,
        x,
        labels,
        count,
        pixels: { data: pixels, scaling, channels: shape.channels },
        ...(late.length > 0 ? { skipped: late } : {}),
      };
    }
  }

  async function thumbnail(id: string, size?: number): Promise<Uint8Array> {
    if (!binaryIncludes(readable, id)) {
      throw new InputError(root, `has no sample ${JSON.stringify(id)}`);
    }
    const file = absolute(root, id);
    try {
      return await encodeThumbnail(file, size);
    } catch (error) {
      throw new InputError(file, `cannot be shown: ${reasonOf(error)}`);
    }
  }

  return { info, batches, thumbnail };
}

function binaryIncludes(sorted: string[], value: string): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const order = compareStrings(sorted[mid], value);
    if (order === 0) return true;
    if (order < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
