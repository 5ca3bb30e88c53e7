import path from 'node:path';
import {
  auditPredictions,
  CALIBRATOR_IDS,
  CALIBRATORS,
  optimumLogitGap,
  pairedBootstrapDeltas,
  type CalibratorId,
  type SplitFractions,
} from '../../core';
import type { Predictions } from '../../core/types';
import { APP_VERSION } from '../../shared/app-version';
import {
  armNamesOf,
  isExportableArm,
  type ExportableArm,
  type FinetuneArmName,
  type FinetuneArms,
  type FinetuneDocument,
  type FinetuneEpoch,
  type FinetunePart,
  type FinetuneProgress,
  type FinetuneSettings,
  type SweepEntry,
} from '../../shared/finetune-document';
import { selectBackend, type BackendName } from '../backend';
import type { PixelScaling } from '../data';
import { CancelledError } from '../inference';
import { InputError } from '../input-error';
import { loadModel, summariseModel, type LoadedModel } from '../model/load-model';
import { checkExportFolder, exportCalibratedModel, exportFinetunedModel } from './export';
import { prepareParts, trainableOf } from './prepare-parts';
import { countsOf, idsOf, labelsOf, type SampleArrays } from './samples';
import { postHocScores, scoreArms, scoreOf, type ArmInput, type ArmScores } from './score-arms';
import { checkAlpha } from './smoothed-loss';
import { formatLayerSelection, parseLayerSelection, type LayerSelection } from './trainable-model';
import { describeTradeOffs } from './trade-offs';
import { trainArms } from './train-arms';

export type {
  ExportableArm,
  FinetunePhase,
  FinetuneProgress,
} from '../../shared/finetune-document';

/** Defaults of a fine-tune; documented in README.md and docs/finetune-json.md. */
export const FINETUNE_DEFAULTS = {
  alpha: 0.1,
  epochs: 3,
  batchSize: 64,
  /**
   * Adam's learning rate. 1e-3 (Adam's usual default) rather than a cautious 1e-4: with the
   * default `head` selection and a few epochs, 1e-4 barely moves the last layer, so smoothing
   * (and fine-tuning) would have almost no effect to measure. Lower it for `all`.
   */
  learningRate: 1e-3,
  layers: 'head',
  seed: 0,
  /** Fine-tune / calibration / evaluation parts of the labelled set. */
  split: { finetune: 0.5, calibration: 0.25, evaluation: 0.25 } as SplitFractions,
  /** Calibration / evaluation when a separate fine-tuning set is given. */
  splitWithTrainData: { finetune: 0, calibration: 0.5, evaluation: 0.5 } as SplitFractions,
  bins: 15,
  bootstrapResamples: 1000,
} as const;

export interface FinetuneRequest {
  modelPath: string;
  /** The labelled set: split into fine-tune / calibration / evaluation parts (or the last two). */
  dataPath: string;
  /** A separate fine-tuning set; then the labelled set only gives calibration and evaluation. */
  trainDataPath?: string;
  labelColumn?: string;
  /** Class names for the model's outputs, in order (`--classes`); over files beside the model. */
  classNames?: string[];
  /** Overrides what the model folder says; default [0, 1]. */
  scaling?: PixelScaling;
  backend?: BackendName;
  /** One alpha in [0, 1), or several for a sweep (chosen by calibration-part NLL). Default 0.1. */
  alpha?: number | number[];
  /** Default 3. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Adam's learning rate; default 1e-3. */
  learningRate?: number;
  /** `head` (default), `all` or `last:N`. */
  layers?: string;
  /** Seeds the split, the batch order and the bootstrap; default 0. */
  seed?: number;
  /** Default 50% / 25% / 25% (0 / 50% / 50% with trainDataPath). Normalised to sum to 1. */
  splitFractions?: SplitFractions;
  /** Equal-width ECE bins; default 15. */
  bins?: number;
  /** Default 1000. */
  bootstrapResamples?: number;
  /** Folder to export `exportArm` to (never the original model's folder). */
  exportPath?: string | null;
  /**
   * The arm written to `exportPath`: `smoothed` (default: the fine-tuned model) or a post-hoc arm
   * (the original with its map appended as layers, or with `calibration-map.json` for binning).
   */
  exportArm?: ExportableArm;
  /**
   * A folder to write every post-hoc arm to, one subfolder per arm (`<folder>/<arm>`); the app
   * stages them there so that any arm can be exported after the run.
   */
  exportArmsPath?: string | null;
  /**
   * Post-hoc calibrators to run on the original, each fitted on the calibration part (those
   * that do not apply to the model's classes are skipped; temperature is always run). Default
   * every registered one.
   */
  calibrators?: CalibratorId[];
}

export interface FinetuneHooks {
  signal?: AbortSignal;
  onProgress?: (progress: FinetuneProgress) => void;
}

export interface ArmOutputs {
  /** n * K, in the order of `evaluation.ids`. */
  probs: Float32Array;
  /** n * K; null for a binning arm (its map gives probabilities only). */
  logits: Float32Array | null;
}

export interface FinetuneResult {
  document: FinetuneDocument;
  /** Per-sample outputs of every arm on the evaluation part. */
  evaluation: {
    ids: string[];
    labels: Int32Array;
    arms: FinetuneArms<ArmOutputs>;
  };
}

interface Settings {
  alphas: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  layers: LayerSelection;
  seed: number;
  fractions: SplitFractions;
  bins: number;
  bootstrapResamples: number;
  calibrators: CalibratorId[];
}

/**
 * Fine-tunes copies of a model with label-smoothed cross-entropy and compares, on one evaluation
 * part that no arm was tuned or calibrated on: the original, a control fine-tune with α = 0 and
 * the same budget, the smoothed fine-tune, and every registered post-hoc calibrator of the
 * original (fitted on the calibration part only). The caller's model files are only read; each
 * fine-tune trains a fresh load of them. Three steps: prepare the parts, train the arms, score
 * the arms (where the calibrators plug in).
 */
export async function runFinetune(
  request: FinetuneRequest,
  hooks: FinetuneHooks = {},
): Promise<FinetuneResult> {
  const started = performance.now();
  const { signal } = hooks;
  const progress = (p: Omit<FinetuneProgress, 'task'>) =>
    hooks.onProgress?.({ task: 'finetune', ...p });
  const settings = resolveSettings(request);
  progress({ phase: 'loading' });
  const backend = await selectBackend(request.backend);
  const original = await loadModel(request.modelPath, { classNames: request.classNames });
  let kept: LoadedModel | null = null;
  try {
    const { info } = original;
    const K = info.numClasses;
    const exportArm = request.exportArm ?? 'smoothed';
    if (!isExportableArm(exportArm)) {
      throw new RangeError(
        `cannot export the arm '${String(exportArm)}'; exportable: smoothed, ${CALIBRATOR_IDS.join(', ')}`,
      );
    }
    if (exportArm !== 'smoothed' && !CALIBRATORS[exportArm].appliesTo(K)) {
      throw new InputError(
        info.file,
        `has ${K} classes; ${CALIBRATORS[exportArm].name} does not apply to it, so that arm cannot be exported.`,
      );
    }
    if (exportArm !== 'smoothed' && !settings.calibrators.includes(exportArm)) {
      settings.calibrators.push(exportArm);
    }
    if (request.exportPath)
      await checkExportFolder(request.exportPath, trainableOf(original).folder);
    if (request.exportArmsPath)
      await checkExportFolder(request.exportArmsPath, trainableOf(original).folder);

    // 1. The parts, and the original model on the calibration and evaluation parts.
    const parts = await prepareParts(original, request, {
      layers: settings.layers,
      fractions: settings.fractions,
      seed: settings.seed,
      signal,
      onOriginal: () => progress({ phase: 'original' }),
    });
    const { labelled, train, split, finetuneRows, originalCal, originalEval } = parts;

    // 2. The fine-tuned arms: the control (α = 0) first, then every other alpha asked for.
    const trained = await trainArms(parts, info.file, info.inputShape, {
      modelPath: request.modelPath,
      classNames: request.classNames,
      alphas: settings.alphas,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      layers: settings.layers,
      seed: settings.seed,
      bins: settings.bins,
      keepChosen: Boolean(request.exportPath) && exportArm === 'smoothed',
      signal,
      progress,
    });
    kept = trained.kept;
    const { control, chosen, candidates } = trained;

    // 3. The post-hoc arms (fitted on the calibration part), then every arm scored on the
    // evaluation part, with paired-bootstrap deltas against the original.
    progress({ phase: 'metrics' });
    const evalLabels = labelsOf(labelled, split.evaluation);
    const postHoc = postHocScores(originalCal, originalEval, K, settings.calibrators);
    const inputs: Partial<Record<FinetuneArmName, ArmInput>> = {
      original: {
        scores: originalEval,
        calibration: scoreOf(originalCal, K, settings.bins),
        alpha: null,
        map: null,
      },
      control: {
        scores: control.evaluation,
        calibration: control.calibrationScore,
        alpha: 0,
        map: null,
      },
      smoothed: {
        scores: chosen.evaluation,
        calibration: chosen.calibrationScore,
        alpha: chosen.alpha,
        map: null,
      },
    };
    for (const arm of postHoc) {
      inputs[arm.id] = {
        scores: arm.evaluation,
        calibration: scoreOf({ ...arm.calibration, labels: originalCal.labels }, K, settings.bins),
        alpha: null,
        map: arm.map,
      };
    }
    const auditOptions = {
      bins: settings.bins,
      bootstrapResamples: settings.bootstrapResamples,
      seed: settings.seed,
    };
    const { arms, deltas, best } = scoreArms(
      inputs as FinetuneArms<ArmInput>,
      evalLabels,
      K,
      auditOptions,
    );
    const predictions = (scores: ArmScores): Predictions => ({
      numClasses: K,
      labels: evalLabels,
      probs: scores.probs,
      logits: scores.logits,
    });
    const smoothingEffect = pairedBootstrapDeltas(
      predictions(control.evaluation),
      predictions(chosen.evaluation),
      auditOptions,
    );
    // The paired difference behind "temperature scaling vs label smoothing" (trade-offs.ts).
    const temperatureInput = inputs.temperature;
    const temperatureMinusSmoothed = temperatureInput
      ? pairedBootstrapDeltas(
          predictions(chosen.evaluation),
          predictions(temperatureInput.scores),
          auditOptions,
        )
      : undefined;
    const sweep: SweepEntry[] | null =
      settings.alphas.length > 1
        ? candidates.map((run) => ({
            alpha: run.alpha,
            chosen: run === chosen,
            calibration: run.calibrationScore,
            metrics: auditPredictions(predictions(run.evaluation), auditOptions).metrics,
          }))
        : null;
    const history: FinetuneEpoch[] = trained.runs.flatMap((run) =>
      run.history.map((entry) => ({
        arm: run === control ? 'control' : run === chosen ? 'smoothed' : 'sweep',
        ...entry,
      })),
    );
    // A chosen α of 0 is the control run: its epochs count for both arms.
    if (chosen === control) {
      history.push(...control.history.map((entry) => ({ arm: 'smoothed' as const, ...entry })));
    }
    const gap = chosen.alpha > 0 ? optimumLogitGap(K, chosen.alpha) : null;
    const tradeOffs = describeTradeOffs({
      arms,
      deltas,
      smoothingEffect,
      alpha: chosen.alpha,
      numClasses: K,
      optimumLogitGap: gap,
      sweep,
      bootstrapResamples: settings.bootstrapResamples,
      best,
      temperatureMinusSmoothed,
      partSizes: { calibration: split.calibration.length, evaluation: split.evaluation.length },
    });

    const classNames = info.classNames ?? Array.from({ length: K }, (_, k) => String(k));
    const documentSettings: FinetuneSettings = {
      alpha: chosen.alpha,
      alphas: settings.alphas,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      optimizer: 'adam',
      learningRate: settings.learningRate,
      layers: formatLayerSelection(settings.layers),
      ...parts.selection,
      loss: parts.head === 'sigmoid' ? 'sigmoid-cross-entropy' : 'softmax-cross-entropy',
      seed: settings.seed,
      splitFractions: normalised(settings.fractions),
      bins: settings.bins,
      bootstrapResamples: settings.bootstrapResamples,
      alphaSelection: settings.alphas.length > 1 ? 'lowest calibration NLL' : 'given',
      calibrators: postHoc.map((arm) => arm.id),
    };

    let exportedModel: string | null = null;
    const calibratedMetadata = (arm: (typeof postHoc)[number]) => ({
      modelName: `${info.name} (calibrated: ${arm.map.name}, ${arm.map.summary})`,
      classNames,
      scaling: parts.scaling,
      crop: info.preprocessing.crop ?? 'none',
      calibrated: {
        baseModel: info.file,
        baseModelFingerprint: info.fingerprint,
        data: request.dataPath,
        calibrationSamples: split.calibration.length,
        seed: settings.seed,
        backend: backend.name,
        appVersion: APP_VERSION,
        createdAt: new Date().toISOString(),
      },
    });
    if (request.exportPath && exportArm !== 'smoothed') {
      progress({ phase: 'export' });
      const arm = postHoc.find((a) => a.id === exportArm)!;
      await exportCalibratedModel(
        trainableOf(original),
        request.exportPath,
        { map: arm.map, numClasses: K },
        calibratedMetadata(arm),
      );
      exportedModel = request.exportPath;
    }
    if (request.exportArmsPath) {
      progress({ phase: 'export' });
      for (const arm of postHoc) {
        await exportCalibratedModel(
          trainableOf(original),
          path.join(request.exportArmsPath, arm.id),
          { map: arm.map, numClasses: K },
          calibratedMetadata(arm),
        );
      }
    }
    if (request.exportPath && kept) {
      progress({ phase: 'export' });
      await exportFinetunedModel(trainableOf(kept), request.exportPath, {
        modelName: `${info.name} (fine-tuned, label smoothing α = ${chosen.alpha})`,
        classNames,
        scaling: parts.scaling,
        crop: info.preprocessing.crop ?? 'none',
        finetune: {
          baseModel: info.file,
          baseModelFingerprint: info.fingerprint,
          alpha: chosen.alpha,
          alphas: settings.alphas,
          epochs: settings.epochs,
          batchSize: settings.batchSize,
          optimizer: 'adam',
          learningRate: settings.learningRate,
          layers: documentSettings.layers,
          loss: documentSettings.loss,
          seed: settings.seed,
          data: request.trainDataPath ?? request.dataPath,
          samples: finetuneRows.length,
          backend: backend.name,
          appVersion: APP_VERSION,
          createdAt: new Date().toISOString(),
        },
      });
      exportedModel = request.exportPath;
    }

    const part = (data: SampleArrays, rows: ArrayLike<number>): FinetunePart => ({
      path: data.info.path,
      size: rows.length,
      countsPerClass: countsOf(data, rows, K),
      ids: idsOf(data, rows),
    });
    const document: FinetuneDocument = {
      schema: 'calibration-audit/finetune',
      schemaVersion: 1,
      settings: documentSettings,
      split: {
        source: request.trainDataPath ? 'separate' : 'split',
        finetune: part(train, finetuneRows),
        calibration: part(labelled, split.calibration),
        evaluation: part(labelled, split.evaluation),
      },
      arms,
      deltas,
      best,
      smoothingEffect,
      alpha: chosen.alpha,
      sweep,
      history,
      tradeOffs,
      optimumLogitGap: { alpha: chosen.alpha, numClasses: K, value: gap },
      provenance: {
        backend: backend.name,
        backendFallbacks: backend.fallbacks,
        modelFingerprint: info.fingerprint,
        datasetFingerprint: parts.dataset.info.fingerprint,
        trainDatasetFingerprint: request.trainDataPath ? train.info.fingerprint : null,
        classNames,
        appVersion: APP_VERSION,
        createdAt: new Date().toISOString(),
        outputKind: info.output,
        scaling: parts.scaling,
        trainingSeconds: trained.trainingSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      },
      model: summariseModel(info),
      dataset: { ...parts.dataset.info },
      trainDataset: request.trainDataPath ? { ...train.info } : null,
      exportedModel,
      exportedArm: exportedModel ? exportArm : null,
    };
    const outputs: Partial<Record<FinetuneArmName, ArmOutputs>> = {};
    for (const name of armNamesOf(inputs)) {
      const scores = inputs[name]!.scores;
      outputs[name] = { probs: scores.probs, logits: scores.logits };
    }
    return {
      document,
      evaluation: {
        ids: idsOf(labelled, split.evaluation),
        labels: evalLabels,
        arms: outputs as FinetuneArms<ArmOutputs>,
      },
    };
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    throw error;
  } finally {
    (kept as LoadedModel | null)?.dispose();
    original.dispose();
  }
}

function resolveSettings(request: FinetuneRequest): Settings {
  const alphas = Array.isArray(request.alpha)
    ? request.alpha
    : [request.alpha ?? FINETUNE_DEFAULTS.alpha];
  if (alphas.length === 0) throw new RangeError('give at least one alpha');
  for (const alpha of alphas) checkAlpha(alpha);
  if (new Set(alphas).size !== alphas.length) throw new RangeError('alphas must be different');
  const epochs = request.epochs ?? FINETUNE_DEFAULTS.epochs;
  const batchSize = request.batchSize ?? FINETUNE_DEFAULTS.batchSize;
  const learningRate = request.learningRate ?? FINETUNE_DEFAULTS.learningRate;
  const seed = request.seed ?? FINETUNE_DEFAULTS.seed;
  const bins = request.bins ?? FINETUNE_DEFAULTS.bins;
  const bootstrapResamples = request.bootstrapResamples ?? FINETUNE_DEFAULTS.bootstrapResamples;
  requireInteger('epochs', epochs, 1);
  requireInteger('batchSize', batchSize, 1);
  requireInteger('bins', bins, 1);
  requireInteger('bootstrapResamples', bootstrapResamples, 0);
  requireInteger('seed', seed, 0);
  if (!(learningRate > 0 && learningRate < 10)) {
    throw new RangeError(`learningRate must be in (0, 10), got ${learningRate}`);
  }
  const fractions = request.trainDataPath
    ? {
        ...(request.splitFractions ?? FINETUNE_DEFAULTS.splitWithTrainData),
        finetune: 0,
      }
    : (request.splitFractions ?? FINETUNE_DEFAULTS.split);
  const calibrators = request.calibrators ?? [...CALIBRATOR_IDS];
  for (const id of calibrators) {
    if (!CALIBRATOR_IDS.includes(id)) {
      throw new RangeError(`unknown calibrator ${id}; known: ${CALIBRATOR_IDS.join(', ')}`);
    }
  }
  if (!calibrators.includes('temperature')) calibrators.unshift('temperature');
  return {
    calibrators,
    alphas,
    epochs,
    batchSize,
    learningRate,
    layers: parseLayerSelection(request.layers ?? FINETUNE_DEFAULTS.layers),
    seed,
    fractions: { ...fractions },
    bins,
    bootstrapResamples,
  };
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number >= ${min}, got ${value}`);
  }
}

function normalised(fractions: SplitFractions): SplitFractions {
  const total = fractions.finetune + fractions.calibration + fractions.evaluation;
  return {
    finetune: fractions.finetune / total,
    calibration: fractions.calibration / total,
    evaluation: fractions.evaluation / total,
  };
}
