import {
  applyTemperature,
  auditPredictions,
  correctness,
  expectedCalibrationError,
  fitTemperature,
  negativeLogLikelihoodFromLogits,
  optimumLogitGap,
  pairedBootstrapDeltas,
  stratifiedSplit,
  topLabel,
  type SplitFractions,
} from '../../core';
import type { CalibrationReport, MetricEstimate, MetricName, Predictions } from '../../core/types';
import { APP_VERSION } from '../../shared/app-version';
import type {
  CalibrationPartScore,
  ComparedArmName,
  FinetuneArm,
  FinetuneArmName,
  FinetuneDocument,
  FinetuneEpoch,
  FinetunePart,
  FinetuneProgress,
  FinetuneSettings,
  SweepEntry,
  TrainedArmName,
} from '../../shared/finetune-document';
import { selectBackend, type BackendName } from '../backend';
import type { PixelScaling } from '../data';
import { CancelledError } from '../inference';
import { InputError } from '../input-error';
import {
  loadModel,
  summariseModel,
  type LoadedModel,
  type TrainableCapability,
} from '../model/load-model';
import { openTestSetFor } from '../open-test-set';
import { checkExportFolder, exportFinetunedModel } from './export';
import {
  countsOf,
  idsOf,
  labelsOf,
  predictRows,
  readAllSamples,
  type RowScores,
  type SampleArrays,
} from './samples';
import { checkAlpha, type LossHead } from './smoothed-loss';
import {
  formatLayerSelection,
  parseLayerSelection,
  prepareTrainableModel,
  type LayerSelection,
} from './trainable-model';
import { describeTradeOffs } from './trade-offs';
import { trainModel } from './training-loop';

export type { FinetunePhase, FinetuneProgress } from '../../shared/finetune-document';

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
  /** Folder to export the smoothed model to (never the original model's folder). */
  exportPath?: string | null;
}

export interface FinetuneHooks {
  signal?: AbortSignal;
  onProgress?: (progress: FinetuneProgress) => void;
}

export interface ArmOutputs {
  /** n * K, in the order of `evaluation.ids`. */
  probs: Float32Array;
  logits: Float32Array;
}

export interface FinetuneResult {
  document: FinetuneDocument;
  /** Per-sample outputs of every arm on the evaluation part. */
  evaluation: {
    ids: string[];
    labels: Int32Array;
    arms: Record<FinetuneArmName, ArmOutputs>;
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
}

interface RunOutcome {
  alpha: number;
  history: Omit<FinetuneEpoch, 'arm'>[];
  evaluation: RowScores;
  calibrationScore: CalibrationPartScore;
}

/**
 * Fine-tunes copies of a model with label-smoothed cross-entropy and compares, on one evaluation
 * part that no arm was tuned or calibrated on: the original, a control fine-tune with α = 0 and
 * the same budget, the smoothed fine-tune, and temperature scaling of the original (T fitted on
 * the calibration part). The caller's model files are only read; each fine-tune trains a fresh
 * load of them.
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
  let kept: { alpha: number; model: LoadedModel } | null = null;
  try {
    const head = checkFinetunable(original);
    const { info } = original;
    const K = info.numClasses;
    const selection = describeSelection(original, settings.layers);
    if (request.exportPath)
      await checkExportFolder(request.exportPath, trainableOf(original).folder);

    // The data, in memory; the labelled set split into disjoint, stratified parts.
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
    const split = stratifiedSplit(labelled.labels, settings.fractions, settings.seed);
    const finetuneRows = request.trainDataPath
      ? Int32Array.from({ length: train.labels.length }, (_, i) => i)
      : split.finetune;
    checkParts(request, labelled, finetuneRows.length, split.calibration, split.evaluation);

    // The original model on the calibration and evaluation parts; temperature from calibration.
    progress({ phase: 'original' });
    const originalCal = await predictRows(original, labelled, split.calibration, { signal });
    const originalEval = await predictRows(original, labelled, split.evaluation, { signal });
    const fit = fitTemperature(originalCal.logits, originalCal.labels, K);
    const temperatureEval = scaleByTemperature(originalEval, K, fit.temperature);
    const temperatureCal = scaleByTemperature(originalCal, K, fit.temperature);

    // Fine-tunes: the control (α = 0) first, then every other alpha asked for.
    const runAlphas = [0, ...settings.alphas.filter((a) => a !== 0)];
    const runs: RunOutcome[] = [];
    let bestNll = Infinity;
    let bestAlpha = Infinity;
    let trainingSeconds = 0;
    let trainable: ReturnType<typeof prepareTrainableModel> | null = null;
    for (const [index, alpha] of runAlphas.entries()) {
      const isCandidate = settings.alphas.includes(alpha);
      const arm: TrainedArmName = alpha === 0 ? 'control' : 'smoothed';
      const copy = await loadModel(request.modelPath, { classNames: request.classNames });
      let keep = false;
      try {
        trainable = prepareTrainableModel(trainableOf(copy).model, settings.layers, info.file);
        const history: Omit<FinetuneEpoch, 'arm'>[] = [];
        let lastCal: RowScores | null = null;
        const stats = await trainModel({
          trainable,
          head,
          inputShape: info.inputShape,
          data: train,
          rows: finetuneRows,
          alpha,
          epochs: settings.epochs,
          batchSize: settings.batchSize,
          learningRate: settings.learningRate,
          seed: settings.seed + 1,
          modelFile: info.file,
          signal,
          onBatch: (epoch, done, total) =>
            progress({
              phase: 'training',
              arm,
              alpha,
              run: index + 1,
              runs: runAlphas.length,
              epoch,
              epochs: settings.epochs,
              done,
              total,
            }),
          onEpoch: async (epoch) => {
            lastCal = await predictRows(copy, labelled, split.calibration, { signal });
            const record = {
              alpha,
              epoch: epoch.epoch,
              loss: epoch.loss,
              accuracy: epoch.accuracy,
              calibrationEce: eceOf(lastCal, K, settings.bins),
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
              epochs: settings.epochs,
              completedEpoch: { arm, ...record },
            });
          },
        });
        trainingSeconds += stats.reduce((sum, s) => sum + s.seconds, 0);
        trainable.release();
        trainable = null;
        const calibration =
          lastCal ?? (await predictRows(copy, labelled, split.calibration, { signal }));
        const evaluation = await predictRows(copy, labelled, split.evaluation, { signal });
        const calibrationScore = scoreOf(calibration, K, settings.bins);
        runs.push({ alpha, history, evaluation, calibrationScore });
        // Keep the best candidate so far (lowest calibration NLL, ties to the smaller alpha), as
        // chosen below, for the export.
        const best =
          calibrationScore.nll < bestNll || (calibrationScore.nll === bestNll && alpha < bestAlpha);
        if (isCandidate && best) {
          bestNll = calibrationScore.nll;
          bestAlpha = alpha;
          if (request.exportPath) {
            kept?.model.dispose();
            kept = { alpha, model: copy };
            keep = true;
          }
        }
      } finally {
        trainable?.release();
        trainable = null;
        if (!keep) copy.dispose();
      }
    }
    const control = runs[0];
    const candidates = runs.filter((run) => settings.alphas.includes(run.alpha));
    const chosen = candidates.reduce((best, run) =>
      run.calibrationScore.nll < best.calibrationScore.nll ||
      (run.calibrationScore.nll === best.calibrationScore.nll && run.alpha < best.alpha)
        ? run
        : best,
    );

    // Metrics on the evaluation part, and differences to the original with paired intervals.
    progress({ phase: 'metrics' });
    const evalLabels = labelsOf(labelled, split.evaluation);
    const predictions = (scores: RowScores): Predictions => ({
      numClasses: K,
      labels: evalLabels,
      probs: scores.probs,
      logits: scores.logits,
    });
    const auditOptions = {
      bins: settings.bins,
      bootstrapResamples: settings.bootstrapResamples,
      seed: settings.seed,
    };
    const outputs: Record<FinetuneArmName, RowScores> = {
      original: originalEval,
      control: control.evaluation,
      smoothed: chosen.evaluation,
      temperature: temperatureEval,
    };
    const calibrationScores: Record<FinetuneArmName, CalibrationPartScore> = {
      original: scoreOf(originalCal, K, settings.bins),
      control: control.calibrationScore,
      smoothed: chosen.calibrationScore,
      temperature: scoreOf(temperatureCal, K, settings.bins),
    };
    const arms = {} as Record<FinetuneArmName, FinetuneArm>;
    for (const name of ['original', 'control', 'smoothed', 'temperature'] as const) {
      const report = auditPredictions(predictions(outputs[name]), auditOptions);
      arms[name] = toArm(name, report, calibrationScores[name], {
        alpha: name === 'control' ? 0 : name === 'smoothed' ? chosen.alpha : null,
        temperature: name === 'temperature' ? fit.temperature : null,
      });
    }
    const deltas = {} as Record<ComparedArmName, Record<MetricName, MetricEstimate>>;
    for (const name of ['control', 'smoothed', 'temperature'] as const) {
      deltas[name] = pairedBootstrapDeltas(
        predictions(outputs.original),
        predictions(outputs[name]),
        auditOptions,
      );
    }
    const smoothingEffect = pairedBootstrapDeltas(
      predictions(outputs.control),
      predictions(outputs.smoothed),
      auditOptions,
    );
    const sweep: SweepEntry[] | null =
      settings.alphas.length > 1
        ? candidates.map((run) => ({
            alpha: run.alpha,
            chosen: run === chosen,
            calibration: run.calibrationScore,
            metrics: auditPredictions(predictions(run.evaluation), auditOptions).metrics,
          }))
        : null;
    const history: FinetuneEpoch[] = runs.flatMap((run) =>
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
      ...selection,
      loss: head === 'sigmoid' ? 'sigmoid-cross-entropy' : 'softmax-cross-entropy',
      seed: settings.seed,
      splitFractions: normalised(settings.fractions),
      bins: settings.bins,
      bootstrapResamples: settings.bootstrapResamples,
      alphaSelection: settings.alphas.length > 1 ? 'lowest calibration NLL' : 'given',
    };

    let exportedModel: string | null = null;
    if (request.exportPath && kept) {
      progress({ phase: 'export' });
      await exportFinetunedModel(trainableOf(kept.model), request.exportPath, {
        modelName: `${info.name} (fine-tuned, label smoothing α = ${chosen.alpha})`,
        classNames,
        scaling,
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
        datasetFingerprint: dataset.info.fingerprint,
        trainDatasetFingerprint: request.trainDataPath ? train.info.fingerprint : null,
        classNames,
        appVersion: APP_VERSION,
        createdAt: new Date().toISOString(),
        outputKind: info.output,
        scaling,
        trainingSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      },
      model: summariseModel(info),
      dataset: { ...dataset.info },
      trainDataset: request.trainDataPath ? { ...train.info } : null,
      exportedModel,
    };
    const armOutputs = (scores: RowScores): ArmOutputs => ({
      probs: scores.probs,
      logits: scores.logits,
    });
    return {
      document,
      evaluation: {
        ids: idsOf(labelled, split.evaluation),
        labels: evalLabels,
        arms: {
          original: armOutputs(outputs.original),
          control: armOutputs(outputs.control),
          smoothed: armOutputs(outputs.smoothed),
          temperature: armOutputs(outputs.temperature),
        },
      },
    };
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    throw error;
  } finally {
    (kept as { model: LoadedModel } | null)?.model.dispose();
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
  return {
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

/** Only a model that declares itself trainable, whose head gives (or gave) logits, can train. */
function checkFinetunable(model: LoadedModel): LossHead {
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
function trainableOf(model: LoadedModel): TrainableCapability {
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
): Pick<FinetuneSettings, 'trainableLayers' | 'trainableParameters' | 'frozenBatchNormLayers'> {
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
  request: FinetuneRequest,
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

function scaleByTemperature(scores: RowScores, K: number, temperature: number): RowScores {
  return {
    labels: scores.labels,
    probs: applyTemperature(scores.logits, K, temperature),
    logits: scores.logits.map((z) => z / temperature),
  };
}

function eceOf(scores: RowScores, K: number, bins: number): number {
  const top = topLabel(scores.probs, K);
  return expectedCalibrationError(top.confidence, correctness(top.prediction, scores.labels), bins);
}

function scoreOf(scores: RowScores, K: number, bins: number): CalibrationPartScore {
  return {
    nll: negativeLogLikelihoodFromLogits(scores.logits, scores.labels, K),
    ece: eceOf(scores, K, bins),
  };
}

const ARM_LABELS: Record<FinetuneArmName, (alpha: number | null, t: number | null) => string> = {
  original: () => 'original model',
  control: () => 'fine-tuned without smoothing (α = 0)',
  smoothed: (alpha) => `fine-tuned with label smoothing (α = ${alpha})`,
  temperature: (_alpha, t) => `original with temperature scaling (T = ${t?.toFixed(3)})`,
};

function toArm(
  name: FinetuneArmName,
  report: CalibrationReport,
  calibration: CalibrationPartScore,
  extra: { alpha: number | null; temperature: number | null },
): FinetuneArm {
  return {
    name,
    label: ARM_LABELS[name](extra.alpha, extra.temperature),
    alpha: extra.alpha,
    temperature: extra.temperature,
    metrics: report.metrics,
    bins: report.bins,
    confidenceHistogram: report.confidenceHistogram,
    logitGap: report.logitGap,
    riskCoverage: report.riskCoverage,
    calibration,
  };
}
