import path from 'node:path';
import { InputError } from '../input-error';
import { describeUnopenable } from './file-kind';
import type { LoadedModel } from './loaded-model';
import {
  probeLocation,
  type ModelLoader,
  type ModelLocation,
  type ModelOpenOptions,
} from './model-loader';
import { kerasLoader } from './formats/keras';
import { kerasH5Loader } from './formats/keras-h5';
import { onnxLoader } from './formats/onnx';
import { tfjsLoader } from './formats/tfjs';

/**
 * The model formats, tried in this order (Netron's ModelFactoryService). Adding a format is one
 * module under formats/ and one entry here (and its label in shared/model-formats.ts).
 */
export const MODEL_LOADERS: readonly ModelLoader[] = [
  tfjsLoader,
  kerasLoader,
  kerasH5Loader,
  onnxLoader,
];

/** Model files a folder may hold instead of a TF.js model.json. */
const MODEL_FILE_EXTENSIONS = ['.keras', '.h5', '.hdf5', '.onnx'];

/** Why no loader opened a location: each loader that recognised it, and its problem. */
export class ModelOpenError extends InputError {
  constructor(
    file: string,
    problem: string,
    readonly attempts: { loader: string; problem: string }[],
  ) {
    super(file, problem);
  }
}

/**
 * Opens a model with the first loader that recognises it. A loader that recognises the content but
 * cannot open it keeps its reason and the next one is tried; if none opens it, the first reason is
 * the message. A location no loader recognises is named by what it is, with the next step.
 */
export async function openModel(
  location: string,
  options: ModelOpenOptions = {},
  loaders: readonly ModelLoader[] = MODEL_LOADERS,
): Promise<LoadedModel> {
  let probe = await probeLocation(location);
  if (probe.isDirectory) probe = await singleModelFileIn(probe, loaders);
  const attempts: { loader: string; error: InputError }[] = [];
  for (const loader of loaders) {
    const match = await loader.match(probe);
    if (!match) continue;
    try {
      return await loader.open(probe, match, options);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      attempts.push({ loader: loader.name, error });
    }
  }
  if (attempts.length > 0) {
    const first = attempts[0].error;
    throw new ModelOpenError(
      first.file,
      first.problem,
      attempts.map((a) => ({ loader: a.loader, problem: a.error.message })),
    );
  }
  throw new ModelOpenError(probe.given, describeUnopenable(probe), []);
}

/** A folder no loader claims but holding exactly one model file: that file. */
async function singleModelFileIn(
  folder: ModelLocation,
  loaders: readonly ModelLoader[],
): Promise<ModelLocation> {
  for (const loader of loaders) if (await loader.match(folder)) return folder;
  const files = folder.entries.filter((name) =>
    MODEL_FILE_EXTENSIONS.includes(path.extname(name).toLowerCase()),
  );
  if (files.length !== 1) return folder;
  return probeLocation(path.join(folder.given, files[0]));
}
