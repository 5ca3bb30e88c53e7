import {
  detectDatasetFormat,
  openDataset,
  type OpenedDataset,
  type OpenProgress,
  type PixelScaling,
} from './data';
import { inputSpecFor } from './input-spec';
import type { LoadedModel } from './model/load-model';

export interface TestSetOptions {
  labelColumn?: string;
  /** Overrides what the model folder says; default [0, 1]. */
  scaling?: PixelScaling;
  signal?: AbortSignal;
  /** Image folders: files found and read while the folder is opened. */
  onProgress?: (progress: OpenProgress) => void;
}

/** Opens a test set as the model needs it: its input shape, class names and preprocessing. */
export async function openTestSetFor(
  model: LoadedModel,
  dataPath: string,
  options: TestSetOptions = {},
): Promise<{ dataset: OpenedDataset; scaling: PixelScaling }> {
  const { info } = model;
  const format = await detectDatasetFormat(dataPath);
  const scaling = options.scaling ?? info.preprocessing.scaling ?? '0-1';
  const input = inputSpecFor(info.file, info.inputShape, format !== 'csv');
  if (input.kind === 'features' && info.inputColumns) input.names = info.inputColumns;
  const dataset = await openDataset(dataPath, {
    input,
    classNames: info.classNames,
    numClasses: info.numClasses,
    scaling,
    crop: info.preprocessing.crop ?? 'none',
    labelColumn: options.labelColumn,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return { dataset, scaling };
}
