import { convertChannels, type Raster } from './raster.js';
import { resizeRaster, type Window } from './resize.js';
import { scalePixels } from './scaling.js';
import type { PixelScaling } from './types.js';

export interface ImageShape {
  height: number;
  width: number;
  channels: 1 | 3 | 4;
}

export interface ImageInputOptions {
  scaling: PixelScaling;
  crop: 'center' | 'none';
}

/** The centred square of the image, or all of it. */
export function cropWindow(width: number, height: number, crop: 'center' | 'none'): Window {
  if (crop === 'none') return { x: 0, y: 0, width, height };
  const side = Math.min(width, height);
  return {
    x: Math.floor((width - side) / 2),
    y: Math.floor((height - side) / 2),
    width: side,
    height: side,
  };
}

/**
 * Turns a decoded image into what the model takes: channel conversion, optional centre crop,
 * resize to the input size, scaling. Writes shape.height*width*channels values at `offset`.
 */
export function writeImageInput(
  image: Raster,
  shape: ImageShape,
  options: ImageInputOptions,
  out: Float32Array,
  offset: number,
): void {
  const converted = convertChannels(image, shape.channels);
  const window = cropWindow(converted.width, converted.height, options.crop);
  const sameSize =
    window.width === converted.width &&
    window.height === converted.height &&
    converted.width === shape.width &&
    converted.height === shape.height;
  const pixels = sameSize
    ? converted.data
    : resizeRaster(converted, window, shape.width, shape.height, 'smooth');
  scalePixels(pixels, options.scaling, out, offset, shape.channels);
}
