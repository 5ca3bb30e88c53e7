import { selectBackend, type BackendName } from '../backend';
import type { PixelScaling } from '../data';
import { runInference } from '../inference';
import { loadModel, summariseModel } from '../model/load-model';
import { openTestSetFor } from '../open-test-set';
import type { ScoresSource } from './scores-source';

export interface ModelScoresRequest {
  modelPath: string;
  dataPath: string;
  labelColumn?: string;
  /** Class names for the model's outputs, in order (`--classes`); over files beside the model. */
  classNames?: string[];
  /** Overrides what the model folder says; default [0, 1]. */
  scaling?: PixelScaling;
  backend?: BackendName;
  batchSize?: number;
}

/** Loads the model and the test set and runs inference: the scores of a model audit. */
export function modelScoresSource(request: ModelScoresRequest): ScoresSource {
  return {
    async read(hooks) {
      hooks.onProgress?.({ phase: 'loading' });
      const backend = await selectBackend(request.backend);
      const model = await loadModel(request.modelPath, { classNames: request.classNames });
      try {
        const { dataset, scaling } = await openTestSetFor(model, request.dataPath, {
          labelColumn: request.labelColumn,
          scaling: request.scaling,
          signal: hooks.signal,
          onProgress: ({ found, read }) =>
            hooks.onProgress?.({ phase: 'loading', done: read, total: found }),
        });
        const inference = await runInference(model, dataset, {
          batchSize: request.batchSize,
          backend: backend.name,
          signal: hooks.signal,
          onProgress: (progress) => hooks.onProgress?.({ phase: 'inference', ...progress }),
        });
        const { info } = model;
        return {
          ids: inference.ids,
          labels: inference.labels,
          probs: inference.probs,
          logits: inference.logits,
          numClasses: inference.numClasses,
          classNames:
            info.classNames ?? Array.from({ length: info.numClasses }, (_, k) => String(k)),
          outputKind: info.output,
          model: summariseModel(info),
          scores: null,
          dataset: dataset.info,
          // An ONNX model runs in onnxruntime, whatever tfjs backend was selected.
          backend: info.runtime
            ? { name: info.runtime, fallbacks: [] }
            : { name: backend.name, fallbacks: backend.fallbacks },
          scaling,
          seconds: inference.seconds,
        };
      } finally {
        model.dispose();
      }
    },
  };
}
