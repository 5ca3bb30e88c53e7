import type { OutputKind } from '../../shared/audit-document';

export type { OutputKind };

/**
 * How a model's output is read. The engine keeps true logits wherever the model has them, because the
 * logit gap is what label smoothing acts on: a softmax or sigmoid head is loaded with a linear activation
 * and the engine applies the softmax or sigmoid itself.
 *
 * OutputKind: 'softmax' (head removed, true logits kept), 'sigmoid' (one unit, its logit kept, K = 2),
 * 'logits' (raw scores), 'probabilities' / 'sigmoid-probability' (a graph model whose outputs cannot be
 * undone; logits derived as log p).
 */

export interface HeadRewrite {
  /** What the topology says about the final activation; null when it cannot tell (detect from values). */
  kind: OutputKind | null;
  units: number | null;
}

type LayerJson = { class_name: string; config: Record<string, unknown> };
type ModelJson = {
  class_name?: string;
  config?: { layers?: LayerJson[]; output_layers?: unknown[] } | LayerJson[];
};

/** Class names of layers that are whole models (Teachable Machine nests its head in one). */
const NESTED_MODELS = new Set(['Sequential', 'Functional', 'Model']);
const MAX_NESTING = 16;

/**
 * Rewrites a Layers topology in place so that the model outputs pre-activation values. The output
 * layer is followed into nested Sequential/Functional models, so a head inside a nested model (as
 * in a Teachable Machine image model) is found and made linear too.
 */
export function exposeLogits(topology: Record<string, unknown>): HeadRewrite {
  return rewriteHead((topology.model_config ?? topology) as ModelJson, 0);
}

/** The layer whose output is the model's output (the last layer of a Sequential). */
export function outputLayerOf(model: ModelJson): LayerJson | null {
  const config = model.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) return null;
  const outputs = Array.isArray(config) ? undefined : config?.output_layers;
  if (Array.isArray(outputs) && outputs.length > 0) {
    // [[name, node, tensor]] (Keras 2, TF.js) or a flat [name, node, tensor] (Keras 3).
    const first: unknown = Array.isArray(outputs[0]) ? outputs[0][0] : outputs[0];
    if (outputs.length === 1 || !Array.isArray(outputs[0]) || typeof first === 'string') {
      const found = layers.find((layer) => layer.config?.name === first);
      if (found) return found;
    }
  }
  return layers[layers.length - 1];
}

function rewriteHead(model: ModelJson, depth: number): HeadRewrite {
  const output = outputLayerOf(model);
  if (!output) return { kind: null, units: null };
  if (NESTED_MODELS.has(output.class_name) && depth < MAX_NESTING) {
    return rewriteHead(output as ModelJson, depth + 1);
  }
  const units = typeof output.config?.units === 'number' ? output.config.units : null;
  if (output.class_name === 'Softmax') {
    output.class_name = 'Activation';
    output.config = { ...output.config, activation: 'linear' };
    delete output.config.axis;
    return { kind: 'softmax', units };
  }
  const activation = output.config?.activation;
  if (activation === 'softmax' || activation === 'sigmoid') {
    output.config.activation = 'linear';
    return { kind: activation, units };
  }
  if (activation === 'linear' || (activation === undefined && output.class_name === 'Dense')) {
    return { kind: 'logits', units };
  }
  return { kind: null, units };
}

/** Reads the output kind from values when the topology cannot tell (a probe on zeros, or a batch). */
export function detectOutputKind(values: Float32Array, width: number): OutputKind {
  const inUnitRange = values.every((v) => v >= 0 && v <= 1);
  if (width === 1) return inUnitRange ? 'sigmoid-probability' : 'sigmoid';
  const sum = values.reduce((a, b) => a + b, 0);
  return inUnitRange && Math.abs(sum - 1) < 1e-3 ? 'probabilities' : 'logits';
}
