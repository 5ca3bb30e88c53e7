import { openCsv } from './csv.js';
import { datasetFile, detectDatasetFormat } from './detect-format.js';
import { openIdx } from './idx.js';
import { openImageFolder } from './image-folder.js';
import type { DatasetOptions, InputSpec, OpenedDataset } from './types.js';

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

function checkInput(input: InputSpec): void {
  const ok =
    input.kind === 'features'
      ? isCount(input.size)
      : isCount(input.height) && isCount(input.width) && [1, 3, 4].includes(input.channels);
  if (!ok) throw new RangeError(`unusable model input spec ${JSON.stringify(input)}`);
}

/**
 * Scans and validates a test set (labels, counts, fingerprint, skipped files) without keeping
 * its samples: `batches()` reads them again, batch by batch. Image folders are only header-checked
 * here; their pixels are decoded once, in `batches()`.
 */
export async function openDataset(path: string, options: DatasetOptions): Promise<OpenedDataset> {
  checkInput(options.input);
  if (!isCount(options.numClasses)) {
    throw new RangeError(
      `the model's class count must be a positive integer, not ${options.numClasses}`,
    );
  }
  const format = await detectDatasetFormat(path);
  if (format === 'idx') return openIdx(path, options);
  if (format === 'csv') return openCsv(await datasetFile(path), options);
  return openImageFolder(path, options);
}
