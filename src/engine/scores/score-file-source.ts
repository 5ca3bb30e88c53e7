import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ScoreFileFormat, ScoreFileSummary } from '../../shared/audit-document';
import { readCsvScores } from './csv-scores';
import { readNpyScores, readNpzScores } from './npy-scores';
import { readParquetScores } from './parquet-scores';
import {
  detectScoreFile,
  notAScoreFile,
  resolveScorePath,
  type ReadScores,
  type ScoreReadOptions,
} from './read-scores';
import type { ScoresSource } from './scores-source';
import type { ScoreTable } from './score-table';

export interface ScoreFileRequest {
  /** A score file, or a folder of Parquet part files (or of labels.npy + probs.npy). */
  scoresPath: string;
  labelColumn?: string;
  /** Class names in class order; else the file's class-named columns, else 0..K-1. */
  classNames?: string[];
}

/** The clip Keras applies before log(p), as the model path does for probability outputs. */
const PROBABILITY_FLOOR = 1e-7;

const READERS: Record<
  ScoreFileFormat,
  (path: string, options: ScoreReadOptions) => Promise<ReadScores>
> = {
  csv: readCsvScores,
  npy: readNpyScores,
  npz: readNpzScores,
  parquet: readParquetScores,
};

/** Reads one score file (per-sample labels and probabilities or logits): the scores of an audit without a model. */
export function scoreFileSource(request: ScoreFileRequest): ScoresSource {
  return {
    async read(hooks) {
      hooks.onProgress?.({ phase: 'loading' });
      const started = performance.now();
      const path = await resolveScorePath(request.scoresPath);
      const format = await detectScoreFile(path, true);
      if (!format) throw notAScoreFile(path);
      const read = await READERS[format](path, {
        labelColumn: request.labelColumn,
        classNames: request.classNames,
        signal: hooks.signal,
      });
      const { table } = read;
      if (table.size === 0) throw notAScoreFile(path);
      const n = table.size;
      const k = table.numClasses;
      const labels = table.labels.length === n ? table.labels : table.labels.slice(0, n);
      const values = table.values.length === n * k ? table.values : table.values.slice(0, n * k);
      // Probabilities need no n*K logits beside them (10 million rows: 400 MB saved).
      const probs = table.kind === 'logits' ? softmaxRows(values, n, k) : values;
      const logits = table.kind === 'logits' ? values : null;
      const classNames =
        request.classNames ?? table.classNames ?? Array.from({ length: k }, (_, c) => String(c));
      const countsPerClass = new Array<number>(k).fill(0);
      for (let i = 0; i < n; i++) countsPerClass[labels[i]]++;
      const scores: ScoreFileSummary = {
        path,
        name: basename(path) || path,
        format,
        files: read.files,
        output: table.kind,
        labelColumn: read.labelColumn,
        scoreColumns: read.scoreColumns,
        numClasses: k,
        classNames: request.classNames ?? table.classNames,
        fingerprint: scoresFingerprint(table, values),
      };
      hooks.onProgress?.({ phase: 'inference', done: n, total: n, rate: 0, etaSeconds: 0 });
      return {
        ids: table.ids,
        labels,
        probs,
        logits,
        numClasses: k,
        classNames,
        outputKind: table.kind,
        model: null,
        scores,
        dataset: {
          path,
          format: 'scores',
          sampleCount: n,
          countsPerClass,
          fingerprint: labelsFingerprint(table.ids, labels),
          skipped: [],
        },
        backend: { name: 'none', fallbacks: [] },
        scaling: null,
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}

/** Row-wise softmax of n*K logits, in float64 arithmetic. */
export function softmaxRows(logits: Float32Array, n: number, k: number): Float32Array {
  const probs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[row + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[row + c] - max);
    for (let c = 0; c < k; c++) probs[row + c] = Math.exp(logits[row + c] - max) / sum;
  }
  return probs;
}

/**
 * The logits of per-sample scores, or log-probabilities where only probabilities were given (clipped
 * at 1e-7, as the model path does): log-softmax of log p is log p, so NLL and temperature scaling
 * work on them.
 */
export function logitsOrLogProbs(samples: {
  logits: Float32Array | null;
  probs: Float32Array;
}): Float32Array {
  if (samples.logits) return samples.logits;
  const out = new Float32Array(samples.probs.length);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.log(Math.max(samples.probs[i], PROBABILITY_FLOOR));
  return out;
}

/** sha256 over the kind and the scores: the "model" of a score file (same scores, same fingerprint). */
function scoresFingerprint(table: ScoreTable, values: Float32Array): string {
  return createHash('sha256')
    .update(`scores\0${table.kind}\0${table.numClasses}\0`)
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

/**
 * sha256 over the labels (and ids when the file has them): the "test set" of a score file, so that two
 * score files with the same samples in the same order compare in the history.
 */
function labelsFingerprint(ids: string[] | null, labels: Int32Array): string {
  const hash = createHash('sha256').update('score-labels\0');
  hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  if (ids) for (const id of ids) hash.update(`${id}\0`);
  return hash.digest('hex');
}
