import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InputError } from '../../input-error';
import { toClassScores } from '../class-scores';
import { looksLikeOnnx } from '../file-kind';
import type { LoadedModel, ModelInfo } from '../loaded-model';
import { readModelMetadata, withClassNames } from '../model-metadata';
import type { ModelLoader } from '../model-loader';
import { countOnnxParameters } from '../onnx-proto';
import { detectOutputKind, type OutputKind } from '../output-head';
import { requireFromEngine } from '../../node-require';

/** Why an ONNX model is audited but never fine-tuned (one sentence, shown as is). */
export const ONNX_NOT_TRAINABLE =
  'is an ONNX model, which onnxruntime can run but not train; label-smoothing fine-tuning needs a Keras (.keras, .h5) or TF.js Layers model, while audit and temperature scaling work on ONNX.';

type Ort = typeof import('onnxruntime-node');
type TensorMetadata = Extract<InferenceSession.ValueMetadata, { isTensor: true }>;

/**
 * How the model's input is fed: features, or an image in NCHW or NHWC; or ('columns') one [N, 1]
 * input per feature column, as skl2onnx exports a ColumnTransformer, fed from the CSV columns of
 * the same names (`columns`).
 */
export interface OnnxInput {
  /** The input's name ('columns': the names joined by commas). */
  name: string;
  layout: 'features' | 'nchw' | 'nhwc' | 'columns';
  /** As the data pipeline lays samples out: [F] or [H, W, C]. */
  inputShape: number[];
  /** A batch size fixed by the model (e.g. 1), or null when the batch dimension is free. */
  fixedBatch: number | null;
  type: 'float32' | 'float64';
  /** 'columns' only: each input, in order; `rank` 1 for [N], 2 for [N, 1]. */
  columns?: { name: string; type: 'float32' | 'float64'; rank: 1 | 2 }[];
}

/** The output read as the model's scores, and how. */
export interface OnnxOutput {
  name: string;
  /** From the output's name when it says (probabilities, logits); else found from a probe. */
  kind: OutputKind | null;
}

/**
 * ONNX (`.onnx`): run by onnxruntime-node on the CPU. The input's layout (features, NCHW or NHWC
 * images) comes from its shape, the output to read from its names (scikit-learn's `label` +
 * `probabilities`) or values. Audited, never fine-tuned.
 */
export const onnxLoader: ModelLoader = {
  name: 'ONNX',
  async match(location) {
    if (location.isDirectory) return null;
    const named = path.extname(location.path).toLowerCase() === '.onnx';
    return named || looksLikeOnnx(location.head) ? { format: 'onnx', file: location.path } : null;
  },
  async open(location, match, options) {
    const file = location.given;
    const ort = await loadRuntime(file);
    const bytes = await readFile(match.file);
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
    } catch (error) {
      throw new InputError(file, `could not be opened by onnxruntime: ${firstLine(error)}`);
    }
    try {
      return await describeSession(ort, session, file, bytes, options.classNames);
    } catch (error) {
      await session.release();
      throw error;
    }
  },
};

async function loadRuntime(file: string): Promise<Ort> {
  try {
    return requireFromEngine('onnxruntime-node') as Ort;
  } catch (error) {
    throw new InputError(
      file,
      `needs onnxruntime-node, which could not be loaded: ${firstLine(error)}`,
    );
  }
}

async function describeSession(
  ort: Ort,
  session: InferenceSession,
  file: string,
  bytes: Uint8Array,
  classNames: string[] | null | undefined,
): Promise<LoadedModel> {
  const input = readOnnxInput(file, session.inputMetadata);
  const output = chooseOnnxOutput(file, session.outputMetadata);
  const run = async (x: Float32Array, count: number): Promise<Float32Array> => {
    const size = input.inputShape.reduce((a, b) => a * b, 1);
    const step = input.fixedBatch ?? count;
    const parts: Float32Array[] = [];
    for (let start = 0; start < count; start += step) {
      const n = Math.min(step, count - start);
      const rows = input.fixedBatch ?? n;
      const batch = new Float32Array(rows * size);
      batch.set(x.subarray(start * size, (start + n) * size));
      const data = input.layout === 'nchw' ? nhwcToNchw(batch, rows, input.inputShape) : batch;
      const feeds = input.columns
        ? columnFeeds(ort, input.columns, data, rows)
        : {
            [input.name]: new ort.Tensor(
              input.type,
              input.type === 'float64' ? Float64Array.from(data) : data,
              [rows, ...modelDims(input)],
            ),
          };
      const result = await session.run(feeds, [output.name]);
      const values = result[output.name] as Tensor;
      const flat = Float32Array.from(values.data as ArrayLike<number>, Number);
      parts.push(flat.subarray(0, (flat.length / rows) * n));
    }
    const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };

  const probe = await run(new Float32Array(input.inputShape.reduce((a, b) => a * b, 1)), 1);
  const width = probe.length;
  if (width === 0) throw new InputError(file, `gives an empty '${output.name}' output.`);
  const kind = output.kind ?? detectOutputKind(probe, width);
  if (kind === 'sigmoid' && width > 1) {
    throw new InputError(
      file,
      `ends in ${width} independent scores (a multi-label model); only single-label classifiers can be audited.`,
    );
  }
  const numClasses = width === 1 ? 2 : width;
  const folder = path.dirname(path.resolve(file));
  const metadata = withClassNames(await readModelMetadata(folder), classNames);
  if (metadata.classNames && metadata.classNames.length !== numClasses) {
    throw new InputError(
      metadata.classNamesSource === '--classes'
        ? file
        : path.join(folder, metadata.classNamesSource?.split(' ')[0] ?? 'metadata.json'),
      `lists ${metadata.classNames.length} class names but the model has ${numClasses} classes.`,
    );
  }
  const info: ModelInfo = {
    ...(input.columns ? { inputColumns: input.columns.map((c) => c.name) } : {}),
    file,
    name: metadata.displayName ?? path.basename(file, path.extname(file)),
    format: 'onnx',
    inputShape: input.inputShape,
    numClasses,
    classNames: metadata.classNames,
    classNamesSource: metadata.classNamesSource,
    parameters: countOnnxParameters(bytes) ?? 0,
    fingerprint: createHash('sha256').update(bytes).digest('hex'),
    output: kind,
    preprocessing: { scaling: metadata.scaling, crop: metadata.crop },
    weightFiles: [file],
    notTrainable: ONNX_NOT_TRAINABLE,
    runtime: 'onnxruntime-node (CPU)',
  };
  return {
    info,
    predict: async (x, count) => toClassScores(await run(x, count), count, kind),
    dispose: () => void session.release(),
  };
}

/** The model's dimensions after the batch, in its own layout. */
function modelDims(input: OnnxInput): number[] {
  const [h, w, c] = input.inputShape;
  return input.layout === 'nchw' ? [c, h, w] : input.inputShape;
}

const CHANNELS = new Set([1, 3, 4]);

/** One tensor per input column, from a batch of rows × F features. */
function columnFeeds(
  ort: Ort,
  columns: NonNullable<OnnxInput['columns']>,
  data: Float32Array,
  rows: number,
): Record<string, Tensor> {
  const width = columns.length;
  const feeds: Record<string, Tensor> = {};
  columns.forEach((column, j) => {
    const values = column.type === 'float64' ? new Float64Array(rows) : new Float32Array(rows);
    for (let r = 0; r < rows; r++) values[r] = data[r * width + j];
    feeds[column.name] = new ort.Tensor(
      column.type,
      values,
      column.rank === 1 ? [rows] : [rows, 1],
    );
  });
  return feeds;
}

/**
 * Several inputs: one numeric column each ([N, 1] or [N], float32 or float64, as skl2onnx exports a
 * ColumnTransformer over a DataFrame), fed from the CSV columns of the same names; anything else
 * is refused in one line naming every input and its type.
 */
function readColumnInputs(
  file: string,
  metadata: readonly InferenceSession.ValueMetadata[],
): OnnxInput {
  const describe = (m: InferenceSession.ValueMetadata) => {
    if (!m.isTensor) return `${m.name}: not a tensor`;
    const { type, shape } = m as TensorMetadata;
    return `${m.name}: ${type} [${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 'N')).join(', ')}]`;
  };
  const columns: NonNullable<OnnxInput['columns']> = [];
  for (const m of metadata) {
    const tensor = m.isTensor ? (m as TensorMetadata) : null;
    const rank = tensor?.shape.length;
    const numeric = tensor?.type === 'float32' || tensor?.type === 'float64';
    const oneColumn = rank === 1 || (rank === 2 && tensor?.shape[1] === 1);
    if (!tensor || !numeric || !oneColumn) {
      throw new InputError(
        file,
        `has ${metadata.length} inputs (${metadata.map(describe).join('; ')}); a model with several inputs is audited when each is one numeric column ([N, 1] float), fed from the CSV column of its name. Export it with one float input, or its categorical columns encoded before the model.`,
      );
    }
    columns.push({ name: m.name, type: tensor.type as 'float32' | 'float64', rank: rank as 1 | 2 });
  }
  return {
    name: columns.map((c) => c.name).join(','),
    layout: 'columns',
    inputShape: [columns.length],
    fixedBatch: null,
    type: 'float32',
    columns,
  };
}

/**
 * Reads the input: its layout from its shape, which must be fixed after the batch; several
 * inputs are one column each (readColumnInputs).
 */
export function readOnnxInput(
  file: string,
  metadata: readonly InferenceSession.ValueMetadata[],
): OnnxInput {
  if (metadata.length === 0) throw new InputError(file, 'has no inputs.');
  if (metadata.length > 1) return readColumnInputs(file, metadata);
  const input = metadata[0];
  if (!input.isTensor) throw new InputError(file, `has a non-tensor input '${input.name}'.`);
  const { shape } = input as TensorMetadata;
  const type = (input as TensorMetadata).type;
  if (type !== 'float32' && type !== 'float64') {
    throw new InputError(
      file,
      `takes '${input.name}' as ${type}; only float32 and float64 inputs are supported.`,
    );
  }
  const rest = shape.slice(1);
  if (shape.length < 2 || rest.some((d) => typeof d !== 'number' || d < 1)) {
    throw new InputError(
      file,
      `has an input '${input.name}' of shape [${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : '?')).join(', ')}]; a fixed size after the batch dimension is needed.`,
    );
  }
  const dims = rest as number[];
  const fixedBatch = typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : null;
  if (dims.length === 1) {
    return { name: input.name, layout: 'features', inputShape: dims, fixedBatch, type };
  }
  if (dims.length === 3) {
    const [a, b, c] = dims;
    const nchw = CHANNELS.has(a) && (!CHANNELS.has(c) || b === c);
    if (nchw) return { name: input.name, layout: 'nchw', inputShape: [b, c, a], fixedBatch, type };
    if (CHANNELS.has(c)) {
      return { name: input.name, layout: 'nhwc', inputShape: dims, fixedBatch, type };
    }
  }
  throw new InputError(
    file,
    `has an input '${input.name}' of shape [${shape.join(', ')}], which is neither features [N, F] nor an image batch (NCHW or NHWC with 1, 3 or 4 channels).`,
  );
}

/**
 * Picks the output that holds the scores: scikit-learn's `probabilities` (its `label` output is
 * only the argmax), else one named for logits or probabilities, else the first float tensor.
 */
export function chooseOnnxOutput(
  file: string,
  metadata: readonly InferenceSession.ValueMetadata[],
): OnnxOutput {
  const tensors = metadata.filter(
    (m): m is TensorMetadata => m.isTensor && (m.type === 'float32' || m.type === 'float64'),
  );
  const named = (pattern: RegExp) => tensors.find((m) => pattern.test(m.name));
  const probabilities = named(/prob|softmax/i);
  if (probabilities) return { name: probabilities.name, kind: 'probabilities' };
  const logits = named(/logit/i);
  if (logits) return { name: logits.name, kind: 'logits' };
  const zipMap = metadata.find((m) => !m.isTensor && /prob/i.test(m.name));
  if (zipMap) {
    throw new InputError(
      file,
      `gives its probabilities as a ZipMap ('${zipMap.name}', a list of dictionaries); re-export it with skl2onnx's option {'zipmap': False} so that they are a tensor.`,
    );
  }
  if (tensors.length === 0) {
    throw new InputError(
      file,
      `has no float output (${metadata.map((m) => m.name).join(', ')}): only labels, no scores to audit; export the model with its probabilities or logits.`,
    );
  }
  return { name: tensors[0].name, kind: null };
}

/** [n, H, W, C] row-major (as the test-set readers give it) to [n, C, H, W], for channels-first models. */
export function nhwcToNchw(x: Float32Array, n: number, [h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[base + k * plane + p] = x[base + p * c + k];
    }
  }
  return out;
}

function firstLine(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  // onnxruntime quotes paths and node names, never file bytes; keep it printable and short.
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}
