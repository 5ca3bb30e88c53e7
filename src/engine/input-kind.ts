import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScoreFileFormat } from '../shared/audit-document';
import { detectDatasetFormat } from './data/detect-format';
import { isIdxName } from './data/idx-files';
import { InputError } from './input-error';
import { describeUnopenable, sniffFileKind } from './model/file-kind';
import { probeLocation, type ModelLocation } from './model/model-loader';
import { MODEL_LOADERS } from './model/registry';
import { detectScoreFile } from './scores/read-scores';

/** What one dropped or chosen item is, told by its content (never by running anything). */
export type InputKind =
  | { kind: 'model' }
  /** A file that belongs beside a model (weight shard, metadata.json, labels.txt). */
  | { kind: 'model-part' }
  | { kind: 'testSet' }
  | { kind: 'scores'; format: ScoreFileFormat }
  | { kind: 'unknown'; reason: string };

/** Several items dropped together, sorted into what each one is for. */
export interface SortedInputs {
  model: string | null;
  testSet: string | null;
  scores: string | null;
  /** Items that are none of these, or a second of one kind, each with why (one line). */
  ignored: { path: string; reason: string }[];
}

const MODEL_FILE_EXTENSIONS = new Set(['.keras', '.h5', '.hdf5', '.onnx']);
const MODEL_PART = /(\.bin|^metadata\.json|^labels\.txt|^classes\.txt)$/i;

async function matchesLoader(location: ModelLocation): Promise<boolean> {
  for (const loader of MODEL_LOADERS) if (await loader.match(location)) return true;
  return false;
}

/** Tells a model from a test set from a score file by content: loaders' match, then the data sniffers. */
export async function classifyInput(location: string): Promise<InputKind> {
  const info = await stat(location).catch(() => null);
  if (!info) return { kind: 'unknown', reason: 'does not exist.' };
  const scores = await detectScoreFile(location).catch(() => null);
  if (scores) return { kind: 'scores', format: scores };
  const probe = await probeLocation(location);
  const name = path.basename(location);
  // metadata.json is JSON that a loader would try; it only ever goes beside a model.
  if (!probe.isDirectory && MODEL_PART.test(name)) return { kind: 'model-part' };
  if (await matchesLoader(probe)) return { kind: 'model' };
  if (probe.isDirectory) {
    const models = probe.entries.filter((n) =>
      MODEL_FILE_EXTENSIONS.has(path.extname(n).toLowerCase()),
    );
    if (models.length === 1) return { kind: 'model' };
    if (probe.entries.some(isIdxName)) return { kind: 'testSet' };
    const entries = await readdir(location, { withFileTypes: true });
    if (entries.some((e) => e.isDirectory() && !e.name.startsWith('.'))) return { kind: 'testSet' };
    if ((await detectDatasetFormat(location).catch(() => null)) === 'csv')
      return { kind: 'testSet' };
    return {
      kind: 'unknown',
      reason: 'holds neither a model nor a test set (class subfolders, a CSV or IDX files).',
    };
  }
  try {
    await detectDatasetFormat(location);
    return { kind: 'testSet' };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // A file that looks like some model format is named by what it is; anything else (a lone image,
    // a binary file) by why it is no test set.
    const kind = sniffFileKind(probe);
    const modelLike = !['image', 'csv', 'unknown', 'empty', 'json'].includes(kind);
    return { kind: 'unknown', reason: modelLike ? describeUnopenable(probe) : `${error.problem}.` };
  }
}

/**
 * Sorts several dropped items (a model folder and a test-set folder, model.json with its shards and a
 * CSV, the four Fashion-MNIST files and a .keras file…) into one model, one test set or one score file.
 * IDX files are one test set (the test pair when both a training and a test pair were dropped).
 */
export async function sortInputs(locations: string[]): Promise<SortedInputs> {
  const sorted: SortedInputs = { model: null, testSet: null, scores: null, ignored: [] };
  const idx: string[] = [];
  for (const location of locations) {
    const kind = await classifyInput(location);
    const name = path.basename(location);
    switch (kind.kind) {
      case 'model':
        if (sorted.model === null) sorted.model = location;
        else sorted.ignored.push({ path: location, reason: 'is a second model; one is audited.' });
        break;
      case 'model-part':
        break;
      case 'scores':
        if (sorted.scores === null) sorted.scores = location;
        else
          sorted.ignored.push({
            path: location,
            reason: 'is a second score file; one is audited.',
          });
        break;
      case 'testSet':
        if (isIdxName(name)) idx.push(location);
        else if (sorted.testSet === null) sorted.testSet = location;
        else
          sorted.ignored.push({
            path: location,
            reason: 'is a second test set; one is audited.',
          });
        break;
      case 'unknown':
        sorted.ignored.push({ path: location, reason: kind.reason });
        break;
    }
  }
  if (idx.length > 0) {
    const images = idx.filter((p) => /images[-.]idx3/i.test(path.basename(p)));
    const chosen = images.find((p) => /t10k|test/i.test(path.basename(p))) ?? images[0] ?? idx[0];
    const stem = (p: string) =>
      path.basename(p).replace(/(images|labels)[-.]idx\d[-.]ubyte(\.gz)?$/i, '');
    if (sorted.testSet === null) {
      sorted.testSet = chosen;
      for (const other of idx.filter((p) => stem(p) !== stem(chosen))) {
        sorted.ignored.push({
          path: other,
          reason: `was left out: the pair of ${path.basename(chosen)} is the test set.`,
        });
      }
    } else {
      sorted.ignored.push({ path: chosen, reason: 'is an IDX test set beside a second test set.' });
    }
  }
  return sorted;
}
