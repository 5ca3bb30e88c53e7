import { parseArgs } from 'node:util';
import type { PdfRequest } from './pdf';
import { BACKENDS, type BackendName } from '../engine/backend';
import type { PixelScaling } from '../engine/data';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage:
  calibration-audit audit --model PATH --data PATH [options]
  calibration-audit audit --scores FILE [--label-column NAME] [--classes a,b,c] [options]
  calibration-audit calibrate --scores FILE | --model PATH --data PATH [--json FILE] [options]
  calibration-audit demo [options]
  calibration-audit finetune --model PATH --data PATH [--alpha A] [fine-tune options]
  calibration-audit finetune --demo [--alpha A] [fine-tune options]
  calibration-audit history list [--model FINGERPRINT] [--data FINGERPRINT] [--db FILE]
  calibration-audit history show ID [--json FILE] [--db FILE]
  calibration-audit history compare A B [--json FILE] [--bootstrap N] [--seed N] [--db FILE]
  calibration-audit history trend MODEL_FINGERPRINT [--db FILE]
  calibration-audit history rename ID NAME [--db FILE]
  calibration-audit history delete ID [--db FILE]

Audit options:
  --model PATH            the model: a TF.js folder (model.json + weight shards) or its JSON
                          file, a Keras .keras or .h5 file, or an ONNX .onnx file
  --classes A,B,C         class names in class order: of the model's outputs (default: labels.txt
                          or metadata.json beside the model), or of a score file's labels and columns
  --data PATH             test set: folder of class-named image folders, CSV, or IDX file/folder
  --scores FILE           audit a score file instead of a model: per-sample labels and predicted
                          probabilities or logits, as CSV (label + p_0..p_{K-1}, logit_0..logit_{K-1}
                          or one column per class; --predictions output reads back), NumPy .npz
                          (labels + probs or logits), probs.npy/logits.npy beside labels.npy, Parquet,
                          or a folder of Parquet part files (Spark, Ray)
  --calibrate             after the audit, compare the post-hoc calibrators alone (as calibrate)
  --label-column NAME     CSV label column (default: label, target, class or y)
  --scaling S             pixel scaling 0-1 (default), -1-1, 0-255 or imagenet ((x/255 - mean)/std)
  --backend B             tensorflow, wasm or cpu (default: the fastest that loads)
  --bins N                equal-width bins for ECE and the reliability diagram (default 15)
  --bootstrap N           bootstrap resamples for the 95% intervals (default 1000)
  --seed N                bootstrap seed (default 0)
  --json FILE             write the audit as one JSON document (schema: docs/audit-json.md)
  --predictions FILE      write one CSV row per sample: id,label,prediction,confidence,p_0..p_{K-1}
  --pdf FILE              write the audit report as a PDF (needs Chromium and a built renderer)
  --page-size SIZE        A4 (default) or Letter, for --pdf
  --fail-above-ece X      exit 3 when ECE is above X (a fraction such as 0.05, or 5%)
  --db FILE               save the audit in this history database (SQLite; see History below)
  --name NAME             the saved audit's name (default: "<model> on <test set>")
  -h, --help              this text
  -v, --version           the app version

Calibrate (the post-hoc calibrators alone, no fine-tune: for score files and models that cannot
train, e.g. ONNX): the rows are split into calibration 50% / evaluation 50% (stratified, --seed);
temperature, vector, matrix and Dirichlet scaling (Platt for binary), histogram binning and isotonic
regression are fitted on the calibration half (on logits, or log-probabilities of probabilities) and
every arm is measured on the evaluation half with paired-bootstrap changes from the original, as
in a fine-tune's comparison. --json FILE writes the comparison (docs/finetune-json.md, post-hoc).

Fine-tune options (label smoothing, compared with the original, an α = 0 fine-tune and the
post-hoc calibrators of the original (temperature, vector, matrix and Dirichlet scaling, Platt for
binary models, histogram binning, isotonic regression; each fitted on the calibration part) on an
evaluation part none of them was tuned or calibrated on):
  --model PATH, --data PATH  the model and its labelled set (split, stratified and seeded, into
                          fine-tune 50% / calibration 25% / evaluation 25%)
  --demo                  the built-in demo model and test set instead of --model and --data
  --alpha A               label smoothing alpha in [0, 1) (default 0.1); a comma-separated list
                          (0,0.05,0.1,0.2) fine-tunes once per alpha and picks the one with the
                          lowest NLL on the calibration part
  --epochs N              epochs per fine-tune (default 3)
  --batch-size N          samples per batch (default 64)
  --learning-rate X       Adam's learning rate (default 0.001; try 0.0001 with --layers all)
  --layers L              head (the last layer with weights; default), last:N, or all
  --train-data PATH       a separate fine-tuning set; the labelled set is then split into
                          calibration 50% / evaluation 50% only
  --seed N                seeds the split, the batch order and the bootstrap (default 0)
  --out DIR               export an arm as a TF.js Layers folder (the smoothed model by default)
  --export-arm ARM        the arm --out writes: smoothed (default), temperature, vector, matrix,
                          dirichlet or platt (the original with the map appended as layers), or
                          histogram, isotonic (the original plus calibration-map.json, which the
                          app applies when it loads the folder; see docs/finetune-json.md)
  --json FILE             write the comparison as one JSON document (docs/finetune-json.md)
  --pdf FILE              write the report (audit of the original, then the comparison) as a PDF
  --page-size SIZE        A4 (default) or Letter, for --pdf
  --db FILE, --name NAME  save the fine-tune in this history database
  --bootstrap N, --bins N, --backend B, --label-column NAME, --classes A,B,C, --scaling S
                          as for audit

History (saved audits; nothing is re-run): --db FILE defaults to ~/.calibration-audit/history.sqlite.
  list                    the audits, newest first, optionally of one model or one test set
  show ID                 the saved audit's summary; --json FILE writes its document
  compare A B             B − A of every metric with paired-bootstrap 95% intervals (same test
                          set only); --json FILE writes the comparison
  trend MODEL_FINGERPRINT a model's audits, oldest first: accuracy, ECE and NLL with intervals
  rename ID NAME, delete ID

Exit codes: 0 success, 1 bad input, 2 usage error, 3 ECE above --fail-above-ece, 130 cancelled.`;

export interface AuditArgs {
  /** `calibrate`: the post-hoc calibrators alone on the audit's scores. */
  command: 'audit' | 'demo' | 'calibrate';
  /** audit --calibrate: the post-hoc comparison after the audit. */
  calibrate?: boolean;
  modelPath?: string;
  dataPath?: string;
  /** --scores FILE: a score file audited without a model. */
  scoresPath?: string;
  /** --classes a,b,c */
  classNames?: string[];
  labelColumn?: string;
  scaling?: PixelScaling;
  backend?: BackendName;
  bins?: number;
  bootstrapResamples?: number;
  seed?: number;
  jsonFile?: string;
  predictionsFile?: string;
  /** --pdf FILE with its page size. */
  pdf?: PdfRequest;
  failAboveEce?: number;
  /** The history database to save the audit in; nothing is saved without it. */
  db?: string;
  name?: string;
}

export type ParsedArgs = AuditArgs | { command: 'help' } | { command: 'version' };

export function parseCommandLine(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    return { command: 'help' };
  }
  if (command === '-v' || command === '--version') return { command: 'version' };
  if (command !== 'audit' && command !== 'demo' && command !== 'calibrate') {
    throw new UsageError(`Unknown command '${command}'.`);
  }
  const values = parseOptions(rest, {
    ...RUN_OPTIONS,
    predictions: { type: 'string' },
    'fail-above-ece': { type: 'string' },
    scores: { type: 'string' },
    calibrate: { type: 'boolean' },
  });
  if (values.help) return { command: 'help' };
  if (command === 'calibrate') {
    for (const flag of [
      'predictions',
      'fail-above-ece',
      'pdf',
      'db',
      'name',
      'calibrate',
    ] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} does not go with calibrate.`);
    }
  }
  if (command === 'demo' && values.calibrate !== undefined) {
    throw new UsageError('--calibrate goes with audit.');
  }
  const scoresPath = values.scores as string | undefined;
  if (scoresPath !== undefined) {
    if (command === 'demo') throw new UsageError('--scores goes with audit.');
    if (values.model || values.data) {
      throw new UsageError('--scores replaces --model and --data; give one or the other.');
    }
    for (const flag of ['scaling', 'backend'] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} does not apply to --scores (no model runs).`);
      }
    }
  } else if (command !== 'demo' && (!values.model || !values.data)) {
    throw new UsageError(`${command} needs --model PATH and --data PATH, or --scores FILE.`);
  }
  if (command === 'demo' && (values.model || values.data)) {
    throw new UsageError('demo audits the built-in demo; use audit for --model and --data.');
  }
  return {
    command,
    ...runValues(values),
    scoresPath,
    classNames: classList(values.classes),
    predictionsFile: values.predictions as string | undefined,
    failAboveEce: fraction('--fail-above-ece', values['fail-above-ece']),
    calibrate: values.calibrate === true,
  };
}

type OptionValues = Record<string, string | boolean | undefined>;

/** parseArgs in strict mode, its complaints as UsageErrors. */
export function parseOptions(
  args: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'],
): OptionValues {
  try {
    return parseArgs({ args, strict: true, allowPositionals: false, options })
      .values as OptionValues;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The options that `audit`, `demo` and `finetune` share. */
export const RUN_OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  'label-column': { type: 'string' },
  classes: { type: 'string' },
  scaling: { type: 'string' },
  backend: { type: 'string' },
  bins: { type: 'string' },
  bootstrap: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'string' },
  pdf: { type: 'string' },
  'page-size': { type: 'string' },
  db: { type: 'string' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The shared options' values, checked. */
export function runValues(values: OptionValues) {
  return {
    modelPath: values.model as string | undefined,
    dataPath: values.data as string | undefined,
    labelColumn: values['label-column'] as string | undefined,
    classNames: classList(values.classes),
    scaling: oneOf('--scaling', values.scaling, ['0-1', '-1-1', '0-255', 'imagenet'] as const),
    backend: oneOf('--backend', values.backend, BACKENDS),
    bins: integer('--bins', values.bins, 1, 1000),
    bootstrapResamples: integer('--bootstrap', values.bootstrap, 0, 100_000),
    seed: integer('--seed', values.seed, 0, 2 ** 32 - 1),
    jsonFile: values.json as string | undefined,
    pdf: pdfRequest(values),
    ...dbAndName(values),
  };
}

export function oneOf<T extends string>(
  flag: string,
  value: string | boolean | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got '${value}').`);
  }
  return value as T;
}

export function integer(
  flag: string,
  value: string | boolean | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got '${value}').`);
  }
  return n;
}

function fraction(flag: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(
      `${flag} must be a fraction from 0 to 1, or a percentage (got '${value}').`,
    );
  }
  return n;
}

/** --db FILE and --name NAME (a name is only saved with a database). */
/** --pdf FILE and --page-size A4|Letter (default A4); undefined without --pdf. */
export function pdfRequest(
  values: Record<string, string | boolean | undefined>,
): PdfRequest | undefined {
  const pageSize = oneOf('--page-size', values['page-size'], ['A4', 'Letter'] as const);
  if (values.pdf === undefined) {
    if (pageSize) throw new UsageError('--page-size goes with --pdf FILE.');
    return undefined;
  }
  return { file: String(values.pdf), pageSize: pageSize ?? 'A4' };
}

export function dbAndName(values: Record<string, string | boolean | undefined>): {
  db?: string;
  name?: string;
} {
  const db = values.db as string | undefined;
  const name = values.name as string | undefined;
  if (db === '') throw new UsageError('--db needs a file name.');
  if (name !== undefined && db === undefined) {
    throw new UsageError('--name names the saved run; it needs --db FILE.');
  }
  if (name !== undefined && name.trim() === '') throw new UsageError('--name must not be empty.');
  return { db, name };
}

/** `--classes a,b,c`: names separated by commas, none empty, none twice. */
export function classList(value: string | boolean | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value)
    .split(',')
    .map((name) => name.trim());
  if (names.length < 2 || names.some((name) => name.length === 0)) {
    throw new UsageError(
      `--classes must list at least two names separated by commas (got '${value}').`,
    );
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new UsageError(`--classes names '${repeated}' twice.`);
  }
  return names;
}
