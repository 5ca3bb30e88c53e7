import { createHash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InputError } from '../input-error.js';
import { checkBatchSize } from './batch-size.js';
import { compareStrings, mapLabelsToClasses } from './class-mapping.js';
import { scanImageFolder } from './folder-scan.js';
import { decodeImage, ImageDecodeError, sniffImageType } from './image-decode.js';
import { writeImageInput, type ImageInputOptions, type ImageShape } from './image-input.js';
import { imageShapeFor } from './input-shape.js';
import { MAX_IMAGE_FILE_BYTES } from './limits.js';
import type { Raster } from './raster.js';
import { encodeThumbnail } from './thumbnail.js';
import type { Batch, DatasetOptions, OpenedDataset, SkippedFile } from './types.js';

/** Files with these names are reported as skipped when they are not PNG or JPEG; others are ignored. */
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
  '.avif',
]);

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
    const head = new Uint8Array(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    const named = IMAGE_EXTENSIONS.has(extname(file).toLowerCase());
    if (!sniffImageType(head.subarray(0, bytesRead))) {
      if (!named) return { kind: 'ignored' };
      const { size } = await handle.stat();
      const bytes = size <= MAX_IMAGE_FILE_BYTES ? await handle.readFile() : undefined;
      return {
        kind: 'skipped',
        reason: 'not a PNG or JPEG image (judged by its content, not its name)',
        bytes,
      };
    }
    const { size } = await handle.stat();
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

function tryDecode(bytes: Uint8Array): Raster | string {
  try {
    return decodeImage(bytes);
  } catch (error) {
    if (error instanceof ImageDecodeError) return error.message;
    return `it could not be decoded (${(error as Error).message})`;
  }
}

/** A folder with one subfolder of PNG/JPEG images per class. */
export async function openImageFolder(
  root: string,
  options: DatasetOptions,
): Promise<OpenedDataset> {
  const { signal } = options;
  const scan = await scanImageFolder(root, signal);
  if (scan.classFolders.length === 0) {
    throw new InputError(
      root,
      scan.looseFiles > 0
        ? 'holds files but no class subfolders: put the images in one subfolder per class'
        : 'holds no images: expected one subfolder of PNG or JPEG images per class',
    );
  }
  const classOf = mapLabelsToClasses(
    scan.classFolders.map((name) => ({ label: name, file: join(root, name) })),
    options,
    root,
    { mode: 'auto', sortedFallback: true },
  );
  const shape: ImageShape = imageShapeFor(options.input, root, null);
  const imageOptions: ImageInputOptions = {
    scaling: options.scaling ?? '0-1',
    crop: options.crop ?? 'none',
  };

  // One full pass now, so that unreadable images are known (and skipped) before inference.
  const hash = createHash('sha256').update('image-folder\0');
  const readable: string[] = [];
  const readableClasses: number[] = [];
  // Links that were not followed (see folder-scan.ts) are listed with the unreadable files.
  const skipped: SkippedFile[] = [...scan.skipped];
  const countsPerClass = new Array<number>(options.numClasses).fill(0);
  for (const { relPath, classFolder } of scan.files) {
    signal?.throwIfAborted();
    const result = await readCandidate(absolute(root, relPath));
    if (result.kind === 'ignored') continue;
    if (result.bytes) hash.update(`${relPath}\0${result.bytes.length}\0`).update(result.bytes);
    const decoded = result.kind === 'image' ? tryDecode(result.bytes) : result.reason;
    if (typeof decoded === 'string') {
      skipped.push({ file: relPath, reason: decoded });
      continue;
    }
    const classIndex = classOf.get(classFolder) as number;
    readable.push(relPath);
    readableClasses.push(classIndex);
    countsPerClass[classIndex]++;
  }
  if (readable.length === 0) {
    const first = skipped[0];
    throw new InputError(
      root,
      first
        ? `has no readable images: all ${skipped.length} were skipped (${first.file}: ${first.reason})`
        : 'holds no PNG or JPEG images in its class subfolders',
    );
  }

  const sampleSize = shape.height * shape.width * shape.channels;

  async function load(relPath: string): Promise<Raster> {
    const file = absolute(root, relPath);
    const bytes = await readFile(file).catch(() => null);
    const decoded = bytes ? tryDecode(bytes) : 'it cannot be read any more';
    if (typeof decoded === 'string') {
      throw new InputError(file, `changed since the test set was opened: ${decoded}`);
    }
    return decoded;
  }

  async function* batches(batchSize: number, batchSignal?: AbortSignal): AsyncGenerator<Batch> {
    checkBatchSize(batchSize);
    for (let start = 0; start < readable.length; start += batchSize) {
      const count = Math.min(batchSize, readable.length - start);
      const x = new Float32Array(count * sampleSize);
      const labels = new Int32Array(count);
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        batchSignal?.throwIfAborted();
        const relPath = readable[start + i];
        writeImageInput(await load(relPath), shape, imageOptions, x, i * sampleSize);
        labels[i] = readableClasses[start + i];
        ids.push(relPath);
      }
      batchSignal?.throwIfAborted();
      yield { ids, x, labels, count };
    }
  }

  async function thumbnail(id: string, size?: number): Promise<Uint8Array> {
    if (!binaryIncludes(readable, id)) {
      throw new InputError(root, `has no sample ${JSON.stringify(id)}`);
    }
    return encodeThumbnail(await load(id), size);
  }

  return {
    info: {
      path: root,
      format: 'image-folder',
      sampleCount: readable.length,
      countsPerClass,
      fingerprint: hash.digest('hex'),
      skipped,
    },
    batches,
    thumbnail,
  };
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
