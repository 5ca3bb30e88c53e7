import { open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ScoreFileFormat } from '../../shared/audit-document';
import { InputError } from '../input-error';
import { resolveScoreColumns } from './score-columns';
import type { ScoreTable } from './score-table';

export interface ScoreReadOptions {
  /** The label column (CSV, Parquet). */
  labelColumn?: string;
  /** Class names, in class order (--classes). */
  classNames?: string[];
  signal?: AbortSignal;
}

/** A score file as a reader hands it over: checked rows, and where they came from. */
export interface ReadScores {
  table: ScoreTable;
  format: ScoreFileFormat;
  /** The files read, in order. */
  files: string[];
  labelColumn: string;
  scoreColumns: string[];
}

const PARQUET_EXTENSIONS = new Set(['.parquet', '.parq', '.pq']);
const CSV_EXTENSIONS = new Set(['.csv', '.txt']);

/** Names of the label and score arrays of a NumPy score file (`.npz` entries, `.npy` files). */
export const NPY_LABEL_NAMES = ['labels', 'label', 'y_true', 'y', 'targets', 'target'];
export const NPY_LOGIT_NAMES = ['logits', 'logit'];
export const NPY_PROBABILITY_NAMES = ['probs', 'probabilities', 'proba', 'probas', 'y_prob'];

/**
 * What kind of score file `path` is, or null when it is not one. `strict` (an explicit --scores) takes
 * any CSV; otherwise a CSV counts only when its header has a label column and p_0../logit_0.. columns
 * (so that a tabular test set is never mistaken for a score file).
 */
export async function detectScoreFile(
  given: string,
  strict = false,
): Promise<ScoreFileFormat | null> {
  const path = await resolveScorePath(given);
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (info.isDirectory()) {
    const names = await readdir(path);
    if (names.some((n) => PARQUET_EXTENSIONS.has(extname(n).toLowerCase()) && !hidden(n))) {
      return 'parquet';
    }
    if (await npyPairIn(path)) return 'npy';
    return null;
  }
  const head = await readHead(path, 8);
  const ascii = String.fromCharCode(...head.subarray(0, 6));
  if (ascii.startsWith('PAR1')) return 'parquet';
  if (head[0] === 0x93 && ascii.slice(1) === 'NUMPY') return 'npy';
  const extension = extname(path).toLowerCase();
  if (ascii.startsWith('PK') && extension === '.npz') return 'npz';
  if (!CSV_EXTENSIONS.has(extension)) return null;
  if (strict) return 'csv';
  const header = await readFirstLine(path);
  const columns = resolveScoreColumns(header.split(',').map((c) => c.trim()));
  return typeof columns !== 'string' && columns.classNames === null ? 'csv' : null;
}

/**
 * A folder that holds a single file (not counting bookkeeping files) stands for that file: the browser
 * host receives a dropped file into a folder of its own.
 */
export async function resolveScorePath(path: string): Promise<string> {
  const info = await stat(path).catch(() => null);
  if (!info?.isDirectory()) return path;
  const entries = (await readdir(path, { withFileTypes: true })).filter((e) => !hidden(e.name));
  return entries.length === 1 && entries[0].isFile() ? join(path, entries[0].name) : path;
}

/** Files and folders whose names start with _ or . are bookkeeping (_SUCCESS, .crc), not data. */
export function hidden(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.');
}

/** labels.npy and probs.npy (or logits.npy) in a folder: their paths, or null. */
export async function npyPairIn(
  folder: string,
): Promise<{ labels: string; scores: string; kind: 'probabilities' | 'logits' } | null> {
  const names = new Set((await readdir(folder).catch(() => [] as string[])).map((n) => n));
  const labels = NPY_LABEL_NAMES.find((n) => names.has(`${n}.npy`));
  const logits = NPY_LOGIT_NAMES.find((n) => names.has(`${n}.npy`));
  const probs = NPY_PROBABILITY_NAMES.find((n) => names.has(`${n}.npy`));
  if (!labels || (!logits && !probs)) return null;
  return {
    labels: join(folder, `${labels}.npy`),
    scores: join(folder, `${logits ?? probs}.npy`),
    kind: logits ? 'logits' : 'probabilities',
  };
}

export function npyStem(path: string): string {
  return basename(path, extname(path)).toLowerCase();
}

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

async function readFirstLine(path: string): Promise<string> {
  const head = await readHead(path, 64 * 1024);
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, '');
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** Refuses a score file whose format is unknown, naming what was expected. */
export function notAScoreFile(path: string): InputError {
  return new InputError(
    path,
    'is not a score file: expected a CSV (label + p_0..p_{K-1} or logit_0..logit_{K-1} columns), a NumPy .npz (labels + probs or logits), probs.npy or logits.npy with labels.npy beside it, a Parquet file, or a folder of Parquet part files.',
  );
}
