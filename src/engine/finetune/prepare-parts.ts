import { stratifiedSplit, type SplitFractions, type SplitIndices } from '../../core';
import type { FinetuneSettings } from '../../shared/finetune-document';
import type { PixelScaling } from '../data';
import { InputError } from '../input-error';
import type { LoadedModel, TrainableCapability } from '../model/load-model';
import { openTestSetFor } from '../open-test-set';
import { predictRows, readAllSamples, type RowScores, type SampleArrays } from './samples';
import type { LossHead } from './smoothed-loss';
import { prepareTrainableModel, type LayerSelection } from './trainable-model';

/** Everything the arms need: the data in memory, its parts, and the original model's outputs. */
export interface PreparedParts {
  head: LossHead;
  numClasses: number;
  selection: Pick<
    FinetuneSettings,
    'trainableLayers' | 'trainableParameters' | 'frozenBatchNormLayers'
  >;
  dataset: Awaited<ReturnType<typeof openTestSetFor>>['dataset'];
  scaling: PixelScaling;
  /** The labelled set, split into the parts. */
  labelled: SampleArrays;
  /** Where the fine-tunes train: the labelled set or the separate fine-tuning set. */
  train: SampleArrays;
  split: SplitIndices;
  /** Rows of `train` the fine-tunes use. */
  finetuneRows: Int32Array;
  /** The original model on the calibration and evaluation parts. */
  originalCal: RowScores;
  originalEval: RowScores;
}

export interface PrepareRequest {
  modelPath: string;
  dataPath: string;
  trainDataPath?: string;
  labelColumn?: string;
  scaling?: PixelScaling;
}

/**
 * Reads the data into memory, splits the labelled set into disjoint stratified parts (fine-tune /
 * calibration / evaluation; the fine-tune part is the separate set when given), and runs the
 * original model on the calibration and evaluation parts.
 */
export async function prepareParts(
  original: LoadedModel,
  request: PrepareRequest,
  options: {
    layers: LayerSelection;
    fractions: SplitFractions;
    seed: number;
    signal?: AbortSignal;
    onOriginal?: () => void;
  },
): Promise<PreparedParts> {
  const { signal } = options;
  const head = checkFinetunable(original);
  const { info } = original;
  const selection = describeSelection(original, options.layers);
  const { dataset, scaling } = await openTestSetFor(original, request.dataPath, {
    labelColumn: request.labelColumn,
    scaling: request.scaling,
    signal,
  });
  const labelled = await readAllSamples(dataset, info.inputShape, signal);
  let train: SampleArrays = labelled;
  if (request.trainDataPath) {
    const opened = await openTestSetFor(original, request.trainDataPath, {
      labelColumn: request.labelColumn,
      scaling,
      signal,
    });
    if (opened.dataset.info.fingerprint === dataset.info.fingerprint) {
      throw new InputError(
        request.trainDataPath,
        'holds the same samples as the labelled set; the fine-tuning set must be separate from the data the model is calibrated and evaluated on.',
      );
    }
    train = await readAllSamples(opened.dataset, info.inputShape, signal);
  }
  const split = stratifiedSplit(labelled.labels, options.fractions, options.seed);
  const finetuneRows = request.trainDataPath
    ? Int32Array.from({ length: train.labels.length }, (_, i) => i)
    : split.finetune;
  checkParts(request, labelled, finetuneRows.length, split.calibration, split.evaluation);
  options.onOriginal?.();
  const originalCal = await predictRows(original, labelled, split.calibration, { signal });
  const originalEval = await predictRows(original, labelled, split.evaluation, { signal });
  return {
    head,
    numClasses: info.numClasses,
    selection,
    dataset,
    scaling,
    labelled,
    train,
    split,
    finetuneRows,
    originalCal,
    originalEval,
  };
}

/** Only a model that declares itself trainable, whose head gives (or gave) logits, can train. */
export function checkFinetunable(model: LoadedModel): LossHead {
  const { info } = model;
  const trainable = trainableOf(model);
  if (info.output === 'probabilities' || info.output === 'sigmoid-probability') {
    throw new InputError(
      info.file,
      'outputs probabilities from a head the app cannot turn back into logits; fine-tuning needs a final softmax, sigmoid or linear layer.',
    );
  }
  const shape = trainable.model.outputs[0].shape;
  return shape[shape.length - 1] === 1 ? 'sigmoid' : 'softmax';
}

/** The model's fine-tuning capability, or the model's own reason why it has none. */
export function trainableOf(model: LoadedModel): TrainableCapability {
  if (model.trainable) return model.trainable;
  throw new InputError(
    model.info.file,
    model.info.notTrainable ??
      'cannot be fine-tuned in this format; fine-tuning needs a Keras or TF.js Layers model.',
  );
}

/**
 * Which layers will train, found on the original model before any data is read (the patches
 * are undone at once; the original only predicts, so its trainable flags do not matter).
 */
function describeSelection(
  model: LoadedModel,
  selection: LayerSelection,
): PreparedParts['selection'] {
  let view;
  try {
    view = prepareTrainableModel(trainableOf(model).model, selection, model.info.file);
  } catch {
    throw new InputError(model.info.file, 'has no layer with trainable weights to fine-tune.');
  }
  view.release();
  return {
    trainableLayers: view.trainableLayers,
    trainableParameters: view.trainableParameters,
    frozenBatchNormLayers: view.frozenBatchNormLayers,
  };
}

function checkParts(
  request: PrepareRequest,
  labelled: SampleArrays,
  finetune: number,
  calibration: Int32Array,
  evaluation: Int32Array,
): void {
  const sizes = `${finetune} / ${calibration.length} / ${evaluation.length}`;
  if (finetune === 0) {
    throw new InputError(
      request.trainDataPath ?? request.dataPath,
      `gives no samples to fine-tune on (fine-tune / calibration / evaluation: ${sizes}).`,
    );
  }
  if (calibration.length === 0 || evaluation.length === 0) {
    throw new InputError(
      request.dataPath,
      `has ${labelled.labels.length} labelled samples: too few for a calibration and an evaluation part (fine-tune / calibration / evaluation: ${sizes}).`,
    );
  }
}
