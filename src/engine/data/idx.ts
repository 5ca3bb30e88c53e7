import { createHash } from 'node:crypto';
import { InputError } from '../input-error.js';
import { checkBatchSize } from './batch-size.js';
import { mapLabelsToClasses } from './class-mapping.js';
import {
  hex,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  locateIdxPair,
  readIdxHeader,
  type IdxHeader,
} from './idx-files.js';
import { writeImageInput, type ImageInputOptions } from './image-input.js';
import { imageShapeFor } from './input-shape.js';
import { MAX_IDX_SIDE } from './limits.js';
import { checkRawLength, scanFile, type IdxBody } from './idx-scan.js';
import { ByteReader } from './streams.js';
import { encodeThumbnail } from './thumbnail.js';
import type { Batch, DatasetOptions, OpenedDataset } from './types.js';

interface IdxLayout {
  count: number;
  labelCount: number;
  rows: number;
  cols: number;
  imagesHeader: number;
  labelsHeader: number;
}

function checkMagic(path: string, header: IdxHeader, expected: number, what: string): void {
  if (header.magic === expected) return;
  const type = (header.magic >> 8) & 0xff;
  const detail =
    (header.magic & 0xff) === (expected & 0xff) && type !== 0x08
      ? `its values are of IDX type 0x${type.toString(16)}; only unsigned bytes (0x08) are supported`
      : `bad magic number 0x${hex(header.magic)}, expected 0x${hex(expected)}`;
  throw new InputError(path, `is not an IDX ${what} file (${detail})`);
}

async function readLayout(images: string, labels: string): Promise<IdxLayout> {
  const imagesHeader = await readIdxHeader(images);
  checkMagic(images, imagesHeader, IDX_IMAGES_MAGIC, 'images');
  const labelsHeader = await readIdxHeader(labels);
  checkMagic(labels, labelsHeader, IDX_LABELS_MAGIC, 'labels');
  const [count, rows, cols] = imagesHeader.dims;
  if (rows < 1 || cols < 1 || rows > MAX_IDX_SIDE || cols > MAX_IDX_SIDE) {
    throw new InputError(
      images,
      `declares images of ${rows}×${cols} pixels, which is not a usable size`,
    );
  }
  return {
    count,
    labelCount: labelsHeader.dims[0],
    rows,
    cols,
    imagesHeader: imagesHeader.length,
    labelsHeader: labelsHeader.length,
  };
}

function shorterNow(path: string): InputError {
  return new InputError(path, 'changed since the test set was opened: it is shorter now');
}

/** MNIST-family IDX files: uint8 images (magic 0x803) and their uint8 labels (magic 0x801). */
export async function openIdx(path: string, options: DatasetOptions): Promise<OpenedDataset> {
  const { signal } = options;
  const pair = await locateIdxPair(path);
  const layout = await readLayout(pair.images, pair.labels);
  const { count, rows, cols } = layout;
  const recordBytes = rows * cols;
  const imagesBody: IdxBody = {
    path: pair.images,
    headerBytes: layout.imagesHeader,
    recordBytes,
    count,
    what: 'images',
  };
  const labelsBody: IdxBody = {
    path: pair.labels,
    headerBytes: layout.labelsHeader,
    recordBytes: 1,
    count: layout.labelCount,
    what: 'labels',
  };
  // Lengths first: a header that claims too much says more than a count mismatch.
  await checkRawLength(imagesBody);
  await checkRawLength(labelsBody);
  if (count !== layout.labelCount) {
    throw new InputError(
      pair.images,
      `count mismatch: its header declares ${count} images but ${pair.labels} declares ${layout.labelCount} labels`,
    );
  }
  if (count === 0) throw new InputError(pair.images, 'holds no images: the test set is empty');
  const shape = imageShapeFor(options.input, pair.images, { width: cols, height: rows });

  const imagesHash = await scanFile(imagesBody, signal);
  const labelCounts = new Array<number>(256).fill(0);
  const firstSeen = new Array<number>(256).fill(-1);
  const labelsHash = await scanFile(labelsBody, signal, (data, offset) => {
    for (let i = 0; i < data.length; i++) {
      if (labelCounts[data[i]]++ === 0) firstSeen[data[i]] = offset + i;
    }
  });
  const present = labelCounts.flatMap((n, label) => (n > 0 ? [label] : []));
  const classOf = mapLabelsToClasses(
    present.map((label) => ({
      label: String(label),
      file: pair.labels,
      where: `sample ${firstSeen[label]}`,
    })),
    options,
    pair.labels,
    { mode: 'index', sortedFallback: false },
  );
  const countsPerClass = new Array<number>(options.numClasses).fill(0);
  for (const label of present) {
    countsPerClass[classOf.get(String(label)) as number] += labelCounts[label];
  }
  const fingerprint = createHash('sha256')
    .update(`idx\0${imagesHash}\0${labelsHash}`)
    .digest('hex');

  const imageOptions: ImageInputOptions = {
    scaling: options.scaling ?? '0-1',
    crop: options.crop ?? 'none',
  };
  const sampleSize = shape.height * shape.width * shape.channels;

  async function* batches(batchSize: number, batchSignal?: AbortSignal): AsyncGenerator<Batch> {
    checkBatchSize(batchSize);
    const images = await ByteReader.open(pair.images);
    const labels = await ByteReader.open(pair.labels);
    try {
      await images.skip(layout.imagesHeader);
      await labels.skip(layout.labelsHeader);
      for (let start = 0; start < count; start += batchSize) {
        batchSignal?.throwIfAborted();
        const n = Math.min(batchSize, count - start);
        const pixels = await images.read(n * recordBytes);
        if (pixels.length < n * recordBytes) throw shorterNow(pair.images);
        const labelBytes = await labels.read(n);
        if (labelBytes.length < n) throw shorterNow(pair.labels);
        const x = new Float32Array(n * sampleSize);
        const batchLabels = new Int32Array(n);
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const data = pixels.subarray(i * recordBytes, (i + 1) * recordBytes);
          writeImageInput(
            { width: cols, height: rows, channels: 1, data },
            shape,
            imageOptions,
            x,
            i * sampleSize,
          );
          const classIndex = classOf.get(String(labelBytes[i]));
          if (classIndex === undefined) {
            throw new InputError(
              pair.labels,
              'changed since the test set was opened: it has new labels',
            );
          }
          batchLabels[i] = classIndex;
          ids.push(`idx:${start + i}`);
        }
        batchSignal?.throwIfAborted();
        yield { ids, x, labels: batchLabels, count: n };
      }
    } finally {
      await images.close();
      await labels.close();
    }
  }

  async function thumbnail(id: string, size?: number): Promise<Uint8Array> {
    const match = /^idx:(\d+)$/.exec(id);
    const index = match ? Number(match[1]) : -1;
    if (index < 0 || index >= count) {
      throw new InputError(pair.images, `has no sample ${JSON.stringify(id)}`);
    }
    const reader = await ByteReader.open(pair.images);
    try {
      await reader.skip(layout.imagesHeader + index * recordBytes);
      const data = await reader.read(recordBytes);
      if (data.length < recordBytes) throw shorterNow(pair.images);
      return encodeThumbnail({ width: cols, height: rows, channels: 1, data }, size);
    } finally {
      await reader.close();
    }
  }

  return {
    info: {
      path: pair.images,
      labelsPath: pair.labels,
      format: 'idx',
      sampleCount: count,
      countsPerClass,
      fingerprint,
      skipped: [],
      ...(pair.note ? { notes: [pair.note] } : {}),
    },
    batches,
    thumbnail,
  };
}
