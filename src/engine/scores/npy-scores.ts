import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { InputError } from '../input-error';
import { NpyDecoder, NpyFormatError, type NpyArray } from './npy';
import {
  NPY_LABEL_NAMES,
  NPY_LOGIT_NAMES,
  NPY_PROBABILITY_NAMES,
  npyPairIn,
  npyStem,
  type ReadScores,
  type ScoreReadOptions,
} from './read-scores';
import { ScoreTable } from './score-table';

/**
 * NumPy score files: `probs.npy` (or `logits.npy`) with `labels.npy` beside it (give either file or
 * their folder), or one `.npz` holding `labels` and `probs` or `logits` (np.savez or
 * np.savez_compressed). Labels are an integer array of shape (n,); scores a float array of shape (n, K).
 */
export async function readNpyScores(path: string, options: ScoreReadOptions): Promise<ReadScores> {
  const info = await stat(path);
  const pair = await npyPairIn(info.isDirectory() ? path : dirname(path));
  if (!pair) {
    throw new InputError(
      path,
      `is a NumPy array without its partner: put labels.npy and probs.npy (or logits.npy) in one folder, or save both in one .npz (np.savez(file, labels=..., probs=...)).`,
    );
  }
  if (!info.isDirectory() && ![pair.labels, pair.scores].includes(path)) {
    throw new InputError(
      path,
      `is not one of the score arrays (${NPY_LABEL_NAMES[0]}.npy, ${NPY_PROBABILITY_NAMES[0]}.npy or ${NPY_LOGIT_NAMES[0]}.npy).`,
    );
  }
  const labels = await decodeNpyFile(pair.labels, 'int32', options.signal);
  const scores = await decodeNpyFile(pair.scores, 'float32', options.signal);
  return {
    ...tableFromArrays(pair.scores, labels, scores, pair.kind, options),
    format: 'npy',
    files: [pair.labels, pair.scores],
    labelColumn: npyStem(pair.labels),
    scoreColumns: [npyStem(pair.scores)],
  };
}

export async function readNpzScores(path: string, options: ScoreReadOptions): Promise<ReadScores> {
  const entries = await decodeNpz(path, options.signal);
  const pick = (names: string[]) => names.find((n) => entries.has(n));
  const labelName = pick(NPY_LABEL_NAMES);
  const scoreName = pick(NPY_LOGIT_NAMES) ?? pick(NPY_PROBABILITY_NAMES);
  if (!labelName || !scoreName) {
    const present = [...entries.keys()].join(', ') || 'none';
    throw new InputError(
      path,
      `needs a 'labels' array and a 'probs' or 'logits' array (arrays in it: ${present}).`,
    );
  }
  const labels = entries.get(labelName)!;
  const scores = entries.get(scoreName)!;
  if (!(labels.data instanceof Int32Array))
    throw new InputError(path, `'${labelName}' is not integer.`);
  if (!(scores.data instanceof Float32Array))
    throw new InputError(path, `'${scoreName}' is not float.`);
  const kind = NPY_LOGIT_NAMES.includes(scoreName) ? 'logits' : 'probabilities';
  return {
    ...tableFromArrays(
      path,
      labels as NpyArray<Int32Array>,
      scores as NpyArray<Float32Array>,
      kind,
      options,
    ),
    format: 'npz',
    files: [path],
    labelColumn: labelName,
    scoreColumns: [scoreName],
  };
}

function tableFromArrays(
  file: string,
  labels: NpyArray<Int32Array>,
  scores: NpyArray<Float32Array>,
  kind: 'probabilities' | 'logits',
  options: ScoreReadOptions,
): { table: ScoreTable } {
  const n = labels.header.shape[0] ?? 1;
  const [rows, k] = scores.header.shape;
  if (
    labels.header.shape.length !== 1 &&
    !(labels.header.shape.length === 2 && labels.header.shape[1] === 1)
  ) {
    throw new InputError(
      file,
      `has labels of shape (${labels.header.shape.join(', ')}); expected (n,).`,
    );
  }
  if (scores.header.shape.length !== 2 || k < 2) {
    throw new InputError(
      file,
      `has scores of shape (${scores.header.shape.join(', ')}); expected (n, K) with K >= 2 classes.`,
    );
  }
  if (rows !== n) throw new InputError(file, `has ${n} labels but ${rows} rows of scores.`);
  if (options.classNames && options.classNames.length !== k) {
    throw new InputError(
      file,
      `has ${k} classes but --classes names ${options.classNames.length}.`,
    );
  }
  const table = new ScoreTable(k, kind, options.classNames ?? null, false, 0);
  table.adopt(labels.data, scores.data);
  const badLabel = table.firstBadLabel(0, n);
  if (badLabel >= 0) {
    throw new InputError(
      file,
      `row ${badLabel + 1} (index ${badLabel}): the label ${labels.data[badLabel]} is not a class index 0..${k - 1}.`,
    );
  }
  const problem = table.checkRows(0, n);
  if (problem) {
    throw new InputError(
      file,
      `row ${problem.index + 1} (index ${problem.index}): ${problem.problem}.`,
    );
  }
  return { table };
}

async function decodeNpyFile<T extends 'float32' | 'int32'>(
  path: string,
  target: T,
  signal?: AbortSignal,
): Promise<NpyArray<T extends 'float32' ? Float32Array : Int32Array>> {
  const decoder = new NpyDecoder(target);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      signal?.throwIfAborted();
      decoder.push(chunk as Buffer);
    }
    return decoder.finish();
  } catch (error) {
    if (error instanceof NpyFormatError) throw new InputError(path, error.message);
    throw error;
  }
}

/** The label and score arrays of an .npz, streamed through the unzipper; other entries are skipped. */
async function decodeNpz(path: string, signal?: AbortSignal): Promise<Map<string, NpyArray>> {
  const wanted = new Map<string, 'int32' | 'float32'>([
    ...NPY_LABEL_NAMES.map((n) => [n, 'int32'] as const),
    ...[...NPY_LOGIT_NAMES, ...NPY_PROBABILITY_NAMES].map((n) => [n, 'float32'] as const),
  ]);
  const decoders = new Map<string, NpyDecoder<'int32' | 'float32'>>();
  const names: string[] = [];
  let failure: unknown = null;
  const unzip = new Unzip((file: UnzipFile) => {
    const name = file.name.replace(/\.npy$/, '');
    names.push(name);
    const target = wanted.get(name);
    const decoder = target ? new NpyDecoder(target) : null;
    if (decoder) decoders.set(name, decoder);
    file.ondata = (error, data) => {
      if (failure) return;
      if (error) failure = error;
      else if (decoder) {
        try {
          decoder.push(data);
        } catch (e) {
          failure = new NpyFormatError(`'${name}' ${(e as Error).message}`);
        }
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      signal?.throwIfAborted();
      unzip.push(chunk as Buffer);
      if (failure) break;
    }
    if (!failure) unzip.push(new Uint8Array(0), true);
  } catch (error) {
    failure ??= error;
  }
  signal?.throwIfAborted();
  if (failure) {
    if (failure instanceof NpyFormatError) throw new InputError(path, failure.message);
    throw new InputError(
      path,
      `is not a readable .npz (zip) archive (${(failure as Error).message}).`,
    );
  }
  if (names.length === 0) throw new InputError(path, 'is an empty or damaged .npz archive.');
  const arrays = new Map<string, NpyArray>();
  for (const [name, decoder] of decoders) {
    try {
      arrays.set(name, decoder.finish());
    } catch (error) {
      if (error instanceof NpyFormatError) throw new InputError(path, `'${name}' ${error.message}`);
      throw error;
    }
  }
  return arrays;
}
