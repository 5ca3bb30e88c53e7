export { detectDatasetFormat } from './detect-format.js';
export { openDataset } from './open-dataset.js';
export type {
  Batch,
  DatasetFormat,
  DatasetInfo,
  DatasetOptions,
  InputSpec,
  OpenProgress,
  OpenedDataset,
  PixelScaling,
  SkippedFile,
} from './types.js';
