import { readdir, realpath, stat } from 'node:fs/promises';
import { isInsideFolder } from './folder-scan.js';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../input-error.js';
import { compareStrings } from './class-mapping.js';
import { ByteReader } from './streams.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const IMAGES_NAME = /images[-.]idx3[-.]ubyte(\.gz)?$/i;
const LABELS_NAME = /labels[-.]idx1[-.]ubyte(\.gz)?$/i;

export function isIdxName(name: string): boolean {
  return IMAGES_NAME.test(name) || LABELS_NAME.test(name);
}

export interface IdxHeader {
  magic: number;
  dims: number[];
  /** Bytes before the data. */
  length: number;
}

/** Reads the magic number and dimensions, without trusting them for anything yet. */
export async function readIdxHeader(path: string): Promise<IdxHeader> {
  const reader = await ByteReader.open(path);
  try {
    const magicBytes = await reader.read(4);
    if (magicBytes.length < 4) throw new InputError(path, 'is too short to be an IDX file');
    const magic = magicBytes.readUInt32BE(0);
    if (magicBytes[0] !== 0 || magicBytes[1] !== 0 || magicBytes[3] === 0) {
      throw new InputError(path, `is not an IDX file (bad magic number 0x${hex(magic)})`);
    }
    const dimBytes = await reader.read(4 * magicBytes[3]);
    if (dimBytes.length < 4 * magicBytes[3]) {
      throw new InputError(path, 'is truncated: it ends inside its IDX header');
    }
    const dims = Array.from({ length: magicBytes[3] }, (_, i) => dimBytes.readUInt32BE(4 * i));
    return { magic, dims, length: 4 + dimBytes.length };
  } finally {
    await reader.close();
  }
}

export function hex(magic: number): string {
  return magic.toString(16).padStart(8, '0');
}

export interface IdxPair {
  images: string;
  labels: string;
  /** A folder holding several pairs: what was chosen, and the pairs left out (one line for the user). */
  note?: string;
}

/** The names a partner file may have: same stem, with or without .gz. */
function partnerNames(name: string, kind: 'images' | 'labels'): string[] {
  const swapped =
    kind === 'images'
      ? name.replace(/labels([-.])idx1/i, 'images$1idx3')
      : name.replace(/images([-.])idx3/i, 'labels$1idx1');
  const plain = swapped.replace(/\.gz$/i, '');
  return swapped === plain ? [plain, `${plain}.gz`] : [swapped, plain];
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

function isTestName(name: string): boolean {
  return /t10k|test/i.test(name);
}

function isTrainName(name: string): boolean {
  return /train/i.test(name);
}

/** In a folder: the one pair, or the test pair (t10k/test) before any train pair. */
async function pairInFolder(dir: string): Promise<IdxPair> {
  const names = (await readdir(dir)).sort(compareStrings);
  const pairs: { images: string; labels: string }[] = [];
  for (const name of names.filter((n) => IMAGES_NAME.test(n))) {
    const labels = partnerNames(name, 'labels').find((n) => names.includes(n));
    if (labels) pairs.push({ images: name, labels });
  }
  if (pairs.length === 0) {
    throw new InputError(
      dir,
      'holds no IDX pair (an …-images-idx3-ubyte file with its …-labels-idx1-ubyte file)',
    );
  }
  const chosen =
    pairs.find((p) => isTestName(p.images)) ??
    pairs.find((p) => !isTrainName(p.images)) ??
    pairs[0];
  const pair: IdxPair = { images: join(dir, chosen.images), labels: join(dir, chosen.labels) };
  const others = pairs.filter((p) => p !== chosen);
  if (others.length > 0) {
    const why = isTestName(chosen.images) ? 'the test pair' : 'the first pair';
    const left = others
      .map((p) => `${p.images} and ${p.labels}${isTrainName(p.images) ? ' (training)' : ''}`)
      .join('; ');
    pair.note = `Used ${why}, ${chosen.images} with ${chosen.labels}; left out ${left}.`;
  }
  await checkInsideFolder(dir, [pair.images, pair.labels]);
  return pair;
}

/**
 * Holds files found in a folder to the folder rule: one that is a link leading out of the folder
 * (by its real path) is refused, as a `../` name would be.
 */
async function checkInsideFolder(dir: string, files: string[]): Promise<void> {
  const realDir = await realpath(dir);
  for (const file of files) {
    const real = await realpath(file).catch(() => null);
    if (real !== null && !isInsideFolder(realDir, real)) {
      throw new InputError(
        file,
        'is a link to a file outside the test-set folder; refused (copy the file into the folder).',
      );
    }
  }
}

/** A renamed IDX file: its kind from its magic number, its partner the only file of the other kind. */
async function pairByMagic(path: string): Promise<IdxPair> {
  const { magic } = await readIdxHeader(path);
  if (magic !== IDX_IMAGES_MAGIC && magic !== IDX_LABELS_MAGIC) {
    throw new InputError(
      path,
      `is not an IDX images or labels file (magic number 0x${hex(magic)}, expected 0x${hex(IDX_IMAGES_MAGIC)} or 0x${hex(IDX_LABELS_MAGIC)})`,
    );
  }
  const kind = magic === IDX_IMAGES_MAGIC ? 'labels' : 'images';
  const pattern = kind === 'labels' ? LABELS_NAME : IMAGES_NAME;
  const dir = dirname(path);
  const others = (await readdir(dir)).filter((n) => pattern.test(n));
  if (others.length !== 1) {
    throw new InputError(
      path,
      `has no ${kind} file that clearly goes with it: name the pair like t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte`,
    );
  }
  const other = join(dir, others[0]);
  await checkInsideFolder(dir, [other]);
  return kind === 'labels' ? { images: path, labels: other } : { images: other, labels: path };
}

/** The images and labels files, from either of them or from the folder that holds them. */
export async function locateIdxPair(path: string): Promise<IdxPair> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new InputError(path, 'does not exist');
  if (info.isDirectory()) return pairInFolder(path);

  const name = basename(path);
  const kind = IMAGES_NAME.test(name) ? 'images' : LABELS_NAME.test(name) ? 'labels' : null;
  if (!kind) return pairByMagic(path);
  const wanted = kind === 'images' ? 'labels' : 'images';
  for (const partner of partnerNames(name, wanted)) {
    const candidate = join(dirname(path), partner);
    if (await isFile(candidate)) {
      // The partner found next to the chosen file is held to the folder rule; the chosen file is the user's.
      await checkInsideFolder(dirname(path), [candidate]);
      return kind === 'images'
        ? { images: path, labels: candidate }
        : { images: candidate, labels: path };
    }
  }
  throw new InputError(
    path,
    `has no ${wanted} file next to it (expected ${partnerNames(name, wanted).join(' or ')})`,
  );
}
