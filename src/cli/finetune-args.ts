import type { BackendName } from '../engine/backend';
import { EXPORTABLE_ARMS, isExportableArm, type ExportableArm } from '../shared/finetune-document';
import type { PixelScaling } from '../engine/data';
import { RUN_OPTIONS, UsageError, integer, parseOptions, runValues } from './args';
import type { PdfRequest } from './pdf';

export interface FinetuneArgs {
  command: 'finetune';
  demo: boolean;
  modelPath?: string;
  dataPath?: string;
  trainDataPath?: string;
  labelColumn?: string;
  classNames?: string[];
  scaling?: PixelScaling;
  backend?: BackendName;
  /** One alpha, or several for a sweep. */
  alpha?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  layers?: string;
  seed?: number;
  bins?: number;
  bootstrapResamples?: number;
  outDir?: string;
  /** --export-arm: the arm --out writes (default smoothed). */
  exportArm?: ExportableArm;
  jsonFile?: string;
  /** --pdf FILE: the audit of the original model and the fine-tune comparison. */
  pdf?: PdfRequest;
  /** The history database to save the fine-tune in; nothing is saved without it. */
  db?: string;
  name?: string;
}

/** Parses the arguments after `finetune`; throws a UsageError naming the problem. */
export function parseFinetuneCommandLine(args: string[]): FinetuneArgs | { command: 'help' } {
  const values = parseOptions(args, {
    ...RUN_OPTIONS,
    demo: { type: 'boolean' },
    'train-data': { type: 'string' },
    alpha: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    'learning-rate': { type: 'string' },
    layers: { type: 'string' },
    out: { type: 'string' },
    'export-arm': { type: 'string' },
  });
  if (values.help) return { command: 'help' };
  const demo = values.demo === true;
  if (demo && (values.model || values.data)) {
    throw new UsageError('finetune --demo uses the built-in demo; drop --model and --data.');
  }
  if (!demo && (!values.model || !values.data)) {
    throw new UsageError('finetune needs --model PATH and --data PATH (or --demo).');
  }
  return {
    command: 'finetune',
    demo,
    ...runValues(values),
    trainDataPath: values['train-data'] as string | undefined,
    alpha: alphas(values.alpha),
    epochs: integer('--epochs', values.epochs, 1, 10_000),
    batchSize: integer('--batch-size', values['batch-size'], 1, 65_536),
    learningRate: learningRate(values['learning-rate']),
    layers: layers(values.layers),
    outDir: values.out as string | undefined,
    exportArm: exportArm(values['export-arm'], values.out),
  };
}

function exportArm(
  value: string | boolean | undefined,
  out: string | boolean | undefined,
): ExportableArm | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!isExportableArm(text)) {
    throw new UsageError(
      `--export-arm must be one of ${EXPORTABLE_ARMS.join(', ')} (got '${text}').`,
    );
  }
  if (out === undefined) throw new UsageError('--export-arm needs --out DIR to export to.');
  return text;
}

function alphas(value: string | boolean | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = String(value)
    .split(',')
    .map((part) => part.trim());
  const list = parts.map(Number);
  if (parts.some((part) => part === '') || list.some((a) => !(a >= 0 && a < 1))) {
    throw new UsageError(
      `--alpha must be a number in [0, 1) or a comma-separated list of them (got '${value}').`,
    );
  }
  if (new Set(list).size !== list.length) {
    throw new UsageError(`--alpha lists a value twice (got '${value}').`);
  }
  return list;
}

function learningRate(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n < 10)) {
    throw new UsageError(`--learning-rate must be a number above 0 and below 10 (got '${value}').`);
  }
  return n;
}

function layers(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (text === 'head' || text === 'all') return text;
  const match = /^last:(\d+)$/.exec(text);
  if (match && Number(match[1]) >= 1) return text;
  throw new UsageError(`--layers must be head, all or last:N with N >= 1 (got '${text}').`);
}
