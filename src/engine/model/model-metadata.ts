import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PixelScaling } from '../data';
import { InputError } from '../input-error';

export interface ModelMetadata {
  classNames: string[] | null;
  /** Where the class names came from, e.g. "metadata.json labels", "labels.txt". */
  classNamesSource: string | null;
  /** Preprocessing the model folder asks for (Teachable Machine exports ask for [-1,1] and a centre crop). */
  scaling: PixelScaling | null;
  crop: 'center' | 'none' | null;
  displayName: string | null;
}

/**
 * Reads what a model folder says about itself beside the weights: `metadata.json` (Teachable Machine's
 * `labels`, `imageSize`, `tmVersion`; or our own `classNames`, `scaling`, `crop`) and `labels.txt`.
 */
export async function readModelMetadata(folder: string): Promise<ModelMetadata> {
  const metadata: ModelMetadata = {
    classNames: null,
    classNamesSource: null,
    scaling: null,
    crop: null,
    displayName: null,
  };
  const metadataFile = path.join(folder, 'metadata.json');
  const text = await readFile(metadataFile, 'utf8').catch(() => null);
  if (text !== null) applyMetadataJson(metadata, metadataFile, text);
  if (!metadata.classNames) {
    const labelsFile = path.join(folder, 'labels.txt');
    const labels = await readFile(labelsFile, 'utf8').catch(() => null);
    if (labels !== null) {
      const names = labels
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        // Teachable Machine's labels.txt writes "0 Cat"; strip a leading index that counts 0, 1, 2...
        .map((line, i) => (line.startsWith(`${i} `) ? line.slice(String(i).length + 1) : line));
      if (names.length > 0) {
        metadata.classNames = names;
        metadata.classNamesSource = 'labels.txt';
      }
    }
  }
  return metadata;
}

function applyMetadataJson(metadata: ModelMetadata, file: string, text: string): void {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    // V8's message quotes the text around the mistake raw; only its position is kept.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new InputError(
      file,
      `is not valid JSON${at === undefined ? '' : ` (at character ${at})`}.`,
    );
  }
  const labels = json.labels ?? json.classNames;
  if (Array.isArray(labels) && labels.length > 0) {
    if (!labels.every((l) => typeof l === 'string' || typeof l === 'number')) {
      throw new InputError(file, 'has labels that are not strings.');
    }
    metadata.classNames = labels.map(String);
    metadata.classNamesSource = `metadata.json ${json.labels ? 'labels' : 'classNames'}`;
  }
  if (typeof json.modelName === 'string') metadata.displayName = json.modelName;
  if (json.tmVersion !== undefined) {
    metadata.scaling = '-1-1';
    metadata.crop = 'center';
  }
  if (
    json.scaling === '0-1' ||
    json.scaling === '-1-1' ||
    json.scaling === '0-255' ||
    json.scaling === 'imagenet'
  ) {
    metadata.scaling = json.scaling;
  }
  if (json.crop === 'center' || json.crop === 'none') metadata.crop = json.crop;
}

/** Class names the user gave (`--classes a,b,c`) win over any file beside the model. */
export function withClassNames(
  metadata: ModelMetadata,
  classNames: string[] | null | undefined,
): ModelMetadata {
  if (!classNames || classNames.length === 0) return metadata;
  return { ...metadata, classNames, classNamesSource: '--classes' };
}
