/**
 * Keras 3 writes model JSON that TF.js Layers 4.22 cannot read (tfjs issues #8328, #8358, #8489, #8494):
 * `batch_shape` instead of `batch_input_shape`, dtype policies as objects, and inbound nodes as
 * `{args, kwargs}` with `__keras_tensor__` references. This rewrites those parts, in place, into the
 * Keras 2 form TF.js reads. Returns whether anything was changed.
 */
export function normalizeKeras3Topology(topology: Record<string, unknown>): boolean {
  return normalizeModel((topology.model_config ?? topology) as { config?: unknown }, 0);
}

const NESTED_MODELS = new Set(['Sequential', 'Functional', 'Model']);

function normalizeModel(model: { config?: unknown }, depth: number): boolean {
  const config = model.config as
    { layers?: unknown; input_layers?: unknown; output_layers?: unknown } | undefined;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers)) return false;
  let changed = false;
  for (const layer of layers as {
    class_name?: string;
    config?: Record<string, unknown>;
    inbound_nodes?: unknown[];
  }[]) {
    // A nested model (Teachable Machine's base and head) is normalised the same way.
    if (layer.class_name && NESTED_MODELS.has(layer.class_name) && depth < 16) {
      if (normalizeModel(layer, depth + 1)) changed = true;
    }
    const layerConfig = layer.config;
    if (layerConfig) {
      if (Array.isArray(layerConfig.batch_shape) && layerConfig.batch_input_shape === undefined) {
        layerConfig.batch_input_shape = layerConfig.batch_shape;
        delete layerConfig.batch_shape;
        changed = true;
      }
      const dtype = layerConfig.dtype as { config?: { name?: unknown } } | undefined;
      if (dtype && typeof dtype === 'object' && typeof dtype.config?.name === 'string') {
        layerConfig.dtype = dtype.config.name;
        changed = true;
      }
    }
    if (Array.isArray(layer.inbound_nodes) && layer.inbound_nodes.some(isKeras3Node)) {
      layer.inbound_nodes = layer.inbound_nodes.map((node) =>
        isKeras3Node(node) ? toKeras2Node(node) : node,
      );
      changed = true;
    }
  }
  if (config && !Array.isArray(config)) {
    for (const key of ['input_layers', 'output_layers'] as const) {
      const value = config[key];
      // Keras 3 writes a single input or output as a flat [name, node, tensor].
      if (Array.isArray(value) && typeof value[0] === 'string') {
        config[key] = [value];
        changed = true;
      }
    }
  }
  return changed;
}

interface Keras3Node {
  args: unknown[];
  kwargs?: Record<string, unknown>;
}

function isKeras3Node(node: unknown): node is Keras3Node {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && 'args' in node;
}

function toKeras2Node(node: Keras3Node): unknown[] {
  const references: unknown[] = [];
  const collect = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(collect);
    const history = (value as { config?: { keras_history?: unknown[] } } | null)?.config
      ?.keras_history;
    if (Array.isArray(history)) references.push([...history, {}]);
  };
  node.args.forEach(collect);
  if (references.length > 0) {
    const kwargs = node.kwargs ?? {};
    (references[0] as unknown[])[3] = kwargs;
  }
  return references;
}
