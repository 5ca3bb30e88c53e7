import type {
  CalibrationPartScore,
  FinetuneEpoch,
  FinetuneProgress,
  TrainedArmName,
} from '../../shared/finetune-document';
import { loadModel, type LoadedModel } from '../model/load-model';
import { trainableOf, type PreparedParts } from './prepare-parts';
import { predictRows, type RowScores } from './samples';
import { scoreOf, eceOf } from './score-arms';
import { prepareTrainableModel, type LayerSelection } from './trainable-model';
import { trainModel } from './training-loop';

/** One fine-tune: its alpha, epochs, and outputs on the evaluation part. */
export interface RunOutcome {
  alpha: number;
  history: Omit<FinetuneEpoch, 'arm'>[];
  evaluation: RowScores;
  calibrationScore: CalibrationPartScore;
}

export interface TrainedArms {
  runs: RunOutcome[];
  /** α = 0, same budget. */
  control: RunOutcome;
  /** The candidates (every alpha asked for), in the order given. */
  candidates: RunOutcome[];
  /** The candidate with the lowest calibration-part NLL (ties: the smaller alpha). */
  chosen: RunOutcome;
  /** The chosen model, kept loaded for the export when `keepChosen`; the caller disposes it. */
  kept: LoadedModel | null;
  trainingSeconds: number;
}

export interface TrainOptions {
  modelPath: string;
  /** Class names for the model's outputs (`--classes`), as the original was loaded with. */
  classNames?: string[];
  alphas: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  layers: LayerSelection;
  seed: number;
  bins: number;
  keepChosen: boolean;
  signal?: AbortSignal;
  progress: (p: Omit<FinetuneProgress, 'task'>) => void;
}

/**
 * Fine-tunes a fresh load of the model per alpha: the control (α = 0) first, then every other
 * alpha asked for, each with the same budget; scores each on the calibration part (to choose
 * alpha) and runs it on the evaluation part.
 */
export async function trainArms(
  parts: PreparedParts,
  modelFile: string,
  inputShape: number[],
  options: TrainOptions,
): Promise<TrainedArms> {
  const { signal, progress } = options;
  const K = parts.numClasses;
  const runAlphas = [0, ...options.alphas.filter((a) => a !== 0)];
  const runs: RunOutcome[] = [];
  let bestNll = Infinity;
  let bestAlpha = Infinity;
  let trainingSeconds = 0;
  let kept: LoadedModel | null = null;
  try {
    for (const [index, alpha] of runAlphas.entries()) {
      const isCandidate = options.alphas.includes(alpha);
      const arm: TrainedArmName = alpha === 0 ? 'control' : 'smoothed';
      const copy = await loadModel(options.modelPath, { classNames: options.classNames });
      let keep = false;
      let trainable: ReturnType<typeof prepareTrainableModel> | null = null;
      try {
        trainable = prepareTrainableModel(trainableOf(copy).model, options.layers, modelFile);
        const history: Omit<FinetuneEpoch, 'arm'>[] = [];
        let lastCal: RowScores | null = null;
        const stats = await trainModel({
          trainable,
          head: parts.head,
          inputShape,
          data: parts.train,
          rows: parts.finetuneRows,
          alpha,
          epochs: options.epochs,
          batchSize: options.batchSize,
          learningRate: options.learningRate,
          seed: options.seed + 1,
          modelFile,
          signal,
          onBatch: (epoch, done, total) =>
            progress({
              phase: 'training',
              arm,
              alpha,
              run: index + 1,
              runs: runAlphas.length,
              epoch,
              epochs: options.epochs,
              done,
              total,
            }),
          onEpoch: async (epoch) => {
            lastCal = await predictRows(copy, parts.labelled, parts.split.calibration, { signal });
            const record = {
              alpha,
              epoch: epoch.epoch,
              loss: epoch.loss,
              accuracy: epoch.accuracy,
              calibrationEce: eceOf(lastCal, K, options.bins),
              seconds: epoch.seconds,
            };
            history.push(record);
            progress({
              phase: 'training',
              arm,
              alpha,
              run: index + 1,
              runs: runAlphas.length,
              epoch: epoch.epoch,
              epochs: options.epochs,
              completedEpoch: { arm, ...record },
            });
          },
        });
        trainingSeconds += stats.reduce((sum, s) => sum + s.seconds, 0);
        trainable.release();
        trainable = null;
        const calibration =
          lastCal ?? (await predictRows(copy, parts.labelled, parts.split.calibration, { signal }));
        const evaluation = await predictRows(copy, parts.labelled, parts.split.evaluation, {
          signal,
        });
        const calibrationScore = scoreOf(calibration, K, options.bins);
        runs.push({ alpha, history, evaluation, calibrationScore });
        // Keep the best candidate so far (lowest calibration NLL, ties to the smaller alpha), as
        // chosen below, for the export.
        const best =
          calibrationScore.nll < bestNll || (calibrationScore.nll === bestNll && alpha < bestAlpha);
        if (isCandidate && best) {
          bestNll = calibrationScore.nll;
          bestAlpha = alpha;
          if (options.keepChosen) {
            kept?.dispose();
            kept = copy;
            keep = true;
          }
        }
      } finally {
        trainable?.release();
        if (!keep) copy.dispose();
      }
    }
  } catch (error) {
    (kept as LoadedModel | null)?.dispose();
    throw error;
  }
  const control = runs[0];
  const candidates = runs.filter((run) => options.alphas.includes(run.alpha));
  const chosen = candidates.reduce((best, run) =>
    run.calibrationScore.nll < best.calibrationScore.nll ||
    (run.calibrationScore.nll === best.calibrationScore.nll && run.alpha < best.alpha)
      ? run
      : best,
  );
  return { runs, control, candidates, chosen, kept, trainingSeconds };
}
