import type { InputSpec } from './data';
import { InputError } from './input-error';

/**
 * What the test set must be decoded into for a model's input shape. A flat input (e.g. [784]) fed from
 * images is read as a square grayscale (or RGB) image and flattened.
 */
export function inputSpecFor(
  modelFile: string,
  inputShape: number[],
  datasetIsImages: boolean,
): InputSpec {
  if (inputShape.length === 3 && [1, 3, 4].includes(inputShape[2])) {
    const [height, width, channels] = inputShape;
    return { kind: 'image', height, width, channels: channels as 1 | 3 | 4 };
  }
  if (inputShape.length === 2) {
    return { kind: 'image', height: inputShape[0], width: inputShape[1], channels: 1 };
  }
  if (inputShape.length === 1) {
    const size = inputShape[0];
    if (!datasetIsImages) return { kind: 'features', size };
    for (const channels of [1, 3] as const) {
      const side = Math.round(Math.sqrt(size / channels));
      if (side * side * channels === size)
        return { kind: 'image', height: side, width: side, channels };
    }
    throw new InputError(
      modelFile,
      `takes ${size} features, which is not a square image size; use a CSV test set for this model.`,
    );
  }
  throw new InputError(
    modelFile,
    `has an input shape [${inputShape.join(', ')}] that the audit cannot feed.`,
  );
}
