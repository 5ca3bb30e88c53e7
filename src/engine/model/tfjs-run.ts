import * as tf from '@tensorflow/tfjs';
import { InputError } from '../input-error';
import { detectOutputKind, type OutputKind } from './output-head';

/** A tfjs model that predicts from one input tensor (Layers or graph). */
export type TfjsPredictor = Pick<tf.LayersModel | tf.GraphModel, 'predict' | 'inputs'>;

/** The one input's shape without the batch dimension; every dimension must be known. */
export function readInputShape(file: string, model: TfjsPredictor): number[] {
  const inputs = model.inputs;
  if (inputs.length !== 1) {
    throw new InputError(
      file,
      `has ${inputs.length} inputs; only single-input classifiers are supported.`,
    );
  }
  const shape = (inputs[0].shape ?? []).slice(1);
  if (shape.length === 0 || shape.some((d) => d === null || d === undefined || d < 1)) {
    throw new InputError(
      file,
      `has an input shape with unknown dimensions (${JSON.stringify(inputs[0].shape)}); a fixed input size is needed.`,
    );
  }
  return shape as number[];
}

/** Runs one batch and returns the first output, row-major, count rows. */
export async function runBatch(
  model: TfjsPredictor,
  x: Float32Array,
  count: number,
  inputShape: number[],
): Promise<Float32Array> {
  const output = tf.tidy(() => {
    const input = tf.tensor(x, [count, ...inputShape], 'float32');
    const result = model.predict(input);
    const tensor = Array.isArray(result) ? result[0] : (result as tf.Tensor);
    return tensor.reshape([count, -1]);
  });
  try {
    return (await output.data()) as Float32Array;
  } finally {
    output.dispose();
  }
}

/** The output's width and kind: from the topology when it says, else from a probe on zeros. */
export async function probeOutput(
  file: string,
  run: (x: Float32Array, count: number) => Promise<Float32Array>,
  inputShape: number[],
  declared: OutputKind | null,
): Promise<{ width: number; kind: OutputKind; numClasses: number }> {
  const probe = await run(new Float32Array(inputShape.reduce((a, b) => a * b, 1)), 1);
  const width = probe.length;
  const kind = declared ?? detectOutputKind(probe, width);
  if (kind === 'sigmoid' && width > 1) {
    throw new InputError(
      file,
      `ends in ${width} sigmoid units (a multi-label model); only single-label classifiers can be audited.`,
    );
  }
  return { width, kind, numClasses: width === 1 ? 2 : width };
}
