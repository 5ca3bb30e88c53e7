import { InputError } from '../input-error.js';
import type { ImageShape } from './image-input.js';
import type { InputSpec } from './types.js';

function squareSide(pixels: number): number | null {
  const side = Math.round(Math.sqrt(pixels));
  return side > 0 && side * side === pixels ? side : null;
}

/**
 * The image size images must be brought to. A model that takes a flat vector (an MLP on MNIST)
 * gets the image flattened: its size must be the pixel count of a gray or RGB image of the
 * source size (IDX), or of a square one (image folders, whose sizes vary).
 */
export function imageShapeFor(
  input: InputSpec,
  path: string,
  source: { width: number; height: number } | null,
): ImageShape {
  if (input.kind === 'image') return input;
  const size = input.size;
  if (source) {
    const pixels = source.width * source.height;
    if (size === pixels) return { height: source.height, width: source.width, channels: 1 };
    if (size === pixels * 3) return { height: source.height, width: source.width, channels: 3 };
    throw new InputError(
      path,
      `the model takes ${size} features, but the images are ${source.height}×${source.width} (${pixels} pixels)`,
    );
  }
  const gray = squareSide(size);
  if (gray) return { height: gray, width: gray, channels: 1 };
  const rgb = size % 3 === 0 ? squareSide(size / 3) : null;
  if (rgb) return { height: rgb, width: rgb, channels: 3 };
  throw new InputError(
    path,
    `the model takes a flat vector of ${size} features, which is not the pixel count of a square gray or RGB image`,
  );
}
