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

/** Rewrites a Layers topology in place so that the model outputs pre-activation values. */
export function exposeLogits(topology: Record<string, unknown>): HeadRewrite {
  const modelConfig = (topology.model_config ?? topology) as {
    class_name?: string;
    config?: { layers?: LayerJson[]; output_layers?: unknown[] } | LayerJson[];
  };
  const config = modelConfig.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) return { kind: null, units: null };
  const outputs = Array.isArray(config) ? undefined : config?.output_layers;
  let output = layers[layers.length - 1];
  if (Array.isArray(outputs) && outputs.length === 1 && Array.isArray(outputs[0])) {
    const name = outputs[0][0];
    output = layers.find((layer) => layer.config?.name === name) ?? output;
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
