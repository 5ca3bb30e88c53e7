import * as tf from '@tensorflow/tfjs';
import type { LayerSelectionText } from '../../shared/finetune-document';

/** Which layers train: the last one with weights, the last N with weights, or every one. */
export type LayerSelection = { kind: 'head' } | { kind: 'last'; count: number } | { kind: 'all' };

/** Parses `head`, `all` or `last:N` (N >= 1); throws a RangeError naming the problem. */
export function parseLayerSelection(text: string): LayerSelection {
  const value = text.trim();
  if (value === 'head') return { kind: 'head' };
  if (value === 'all') return { kind: 'all' };
  const match = /^last:(\d+)$/.exec(value);
  if (match && Number(match[1]) >= 1) return { kind: 'last', count: Number(match[1]) };
  throw new RangeError(`layers must be head, all or last:N with N >= 1 (got '${text}')`);
}

export function formatLayerSelection(selection: LayerSelection): LayerSelectionText {
  return selection.kind === 'last' ? `last:${selection.count}` : selection.kind;
}

/** A loaded Layers model set up for fine-tuning: what trains, and what is frozen. */
export interface TrainableModel {
  model: tf.LayersModel;
  /** The variables the optimizer updates. */
  variables: tf.Variable[];
  /** Innermost layers whose weights train, in model order. */
  trainableLayers: string[];
  trainableParameters: number;
  /** Frozen BatchNormalization layers (run in inference mode). */
  frozenBatchNormLayers: string[];
  /** Layers run in inference mode even when the model is called with training = true. */
  inferenceModeLayers: string[];
  /** Undoes the inference-mode patches (the weights stay as trained). */
  release(): void;
}

type Kwargs = Record<string, unknown>;
type CallFunction = (inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

/**
 * Layers of a model with nested models (a Teachable Machine model is a Sequential of two models)
 * expanded into their own layers, in execution order.
 */
export function innermostLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const visit = (layer: tf.layers.Layer) => {
    const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(nested)) nested.forEach(visit);
    else out.push(layer);
  };
  model.layers.forEach(visit);
  return out;
}

function isBatchNormalization(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'BatchNormalization';
}

/**
 * Freezes every layer but the selected ones and makes the frozen part behave as in inference.
 *
 * TF.js Layers differs from Keras 2+ here: a BatchNormalization layer called with training = true
 * normalises with the batch's statistics and overwrites its moving mean and variance, whether or
 * not it is trainable. So every layer before the first trainable one (the frozen backbone, with
 * its BatchNormalization and Dropout layers) and every frozen BatchNormalization layer is patched
 * to ignore `training` and always run in inference mode: a frozen backbone computes exactly what
 * it computes at prediction time, and its statistics never move. Trainable BatchNormalization
 * layers (with `all`, or inside the trained tail) train as Keras trains them.
 */
export function prepareTrainableModel(
  model: tf.LayersModel,
  selection: LayerSelection,
  modelFile = 'the model',
): TrainableModel {
  const layers = innermostLayers(model);
  for (const layer of layers) layer.trainable = true;
  const weighted = layers.filter((layer) => layer.trainableWeights.length > 0);
  if (weighted.length === 0)
    throw new RangeError(`${modelFile} has no layer with trainable weights`);
  const count =
    selection.kind === 'all'
      ? weighted.length
      : selection.kind === 'head'
        ? 1
        : Math.min(selection.count, weighted.length);
  const selected = new Set(weighted.slice(weighted.length - count));
  const firstSelected = layers.findIndex((layer) => selected.has(layer));

  const variables: tf.Variable[] = [];
  let trainableParameters = 0;
  for (const layer of layers) {
    if (!selected.has(layer)) {
      layer.trainable = false;
      continue;
    }
    for (const weight of layer.trainableWeights) {
      variables.push(weight.read() as tf.Variable);
      trainableParameters += weight.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    }
  }

  const patched: { layer: tf.layers.Layer; call: CallFunction }[] = [];
  const inferenceModeLayers: string[] = [];
  layers.forEach((layer, index) => {
    if (selected.has(layer)) return;
    if (index > firstSelected && !isBatchNormalization(layer)) return;
    const target = layer as unknown as { call: CallFunction };
    const call = target.call;
    target.call = (inputs, kwargs) => call.call(layer, inputs, { ...kwargs, training: false });
    patched.push({ layer, call });
    inferenceModeLayers.push(layer.name);
  });

  return {
    model,
    variables,
    trainableLayers: layers.filter((layer) => selected.has(layer)).map((layer) => layer.name),
    trainableParameters,
    frozenBatchNormLayers: layers
      .filter((layer) => !selected.has(layer) && isBatchNormalization(layer))
      .map((layer) => layer.name),
    inferenceModeLayers,
    release: () => {
      for (const { layer, call } of patched)
        (layer as unknown as { call: CallFunction }).call = call;
      patched.length = 0;
    },
  };
}
