import type {
  BackendName,
  DatasetSummary,
  ModelSummary,
  OutputKind,
  PixelScaling,
} from '../../../shared/audit-document';
import { MODEL_FORMAT_LABELS } from '../../../shared/model-formats';
import type { VerdictKind } from '../../../core/types';

/** What a model's output is, in words (users mix up logits and probabilities). */
export function describeOutput(kind: OutputKind): string {
  switch (kind) {
    case 'softmax':
      return 'Softmax probabilities';
    case 'logits':
      return 'Logits (softmax applied)';
    case 'probabilities':
      return 'Probabilities';
    case 'sigmoid':
      return 'Sigmoid (binary)';
    case 'sigmoid-probability':
      return 'Sigmoid probability (binary)';
  }
}

/** Each engine backend in words; a record, so a new backend does not compile without a label. */
export const BACKEND_LABELS: Record<BackendName, string> = {
  tensorflow: 'native TensorFlow',
  wasm: 'WebAssembly',
  cpu: 'plain JS',
};

export function modelFormatLabel(format: ModelSummary['format']): string {
  return MODEL_FORMAT_LABELS[format];
}

export function formatLabel(format: DatasetSummary['format']): string {
  switch (format) {
    case 'image-folder':
      return 'Image folder';
    case 'csv':
      return 'CSV';
    case 'idx':
      return 'IDX files';
    case 'scores':
      return 'Labels of a score file';
  }
}

export function verdictTitle(kind: VerdictKind): string {
  switch (kind) {
    case 'overconfident':
      return 'Overconfident';
    case 'underconfident':
      return 'Underconfident';
    case 'well-calibrated':
      return 'Well calibrated';
  }
}

export const PHASE_LABELS = {
  loading: 'Loading the model and the test set',
  inference: 'Running the model',
  metrics: 'Computing metrics and intervals',
} as const;

/** A pixel scaling in words: "pixels 0 to 1", "pixels −1 to 1", "pixels 0 to 255". */
export function pixelScalingLabel(scaling: PixelScaling): string {
  switch (scaling) {
    case '0-1':
      return 'pixels 0 to 1';
    case '-1-1':
      return 'pixels −1 to 1';
    case '0-255':
      return 'pixels 0 to 255';
  }
}
