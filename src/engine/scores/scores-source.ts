import type {
  DatasetSummary,
  ModelSummary,
  OutputKind,
  PixelScaling,
  Provenance,
  ScoreFileSummary,
} from '../../shared/audit-document';
import type { InferenceProgress } from '../inference';

/**
 * Per-sample scores on a labelled test set, wherever they came from: a model run over a test set
 * (`model-source.ts`) or a score file (`score-file-source.ts`). The audit (metrics, document, history,
 * PDF) starts from here and does not know which.
 */
export interface ScoredSamples {
  /**
   * Sample ids; null when the rows are simply numbered (a score file without an id column): the audit
   * names them row:1..row:n only after the metrics, so that 10 million id strings (about 400 MB) are
   * not alive while the bootstrap runs.
   */
  ids: string[] | null;
  labels: Int32Array;
  /** n*K probabilities. */
  probs: Float32Array;
  /**
   * n*K logits (true, or derived by the model loader); null when a score file gave probabilities:
   * the metrics then take NLL from the clipped probabilities, and whatever needs logits (temperature
   * scaling) takes log-probabilities (`logitsOrLogProbs`), computed only then.
   */
  logits: Float32Array | null;
  numClasses: number;
  classNames: string[];
  outputKind: OutputKind;
  /** The model that was run, or null. */
  model: ModelSummary | null;
  /** The score file that was read, or null. */
  scores: ScoreFileSummary | null;
  dataset: DatasetSummary;
  backend: { name: Provenance['backend']; fallbacks: string[] };
  scaling: PixelScaling | null;
  /** Seconds spent running the model or reading the file. */
  seconds: number;
}

export interface ScoresHooks {
  signal?: AbortSignal;
  /** 'loading' while opening (with files read / found for image folders), then per-batch progress. */
  onProgress?: (
    progress:
      | { phase: 'loading'; done?: number; total?: number }
      | ({ phase: 'inference' } & InferenceProgress),
  ) => void;
}

/** One way of getting per-sample scores. */
export interface ScoresSource {
  read(hooks: ScoresHooks): Promise<ScoredSamples>;
}
