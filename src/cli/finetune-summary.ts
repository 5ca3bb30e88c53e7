import { groupThousands, pluralCount, signed, signedInterval } from '../core/number-format';
import { SMALL_SAMPLE, smallSampleNote } from '../core/sample-size';
import type { MetricEstimate, MetricName } from '../core/types';
import {
  armNamesOf,
  type ComparedArmName,
  type FinetuneArm,
  type FinetuneArmName,
  type FinetuneDocument,
  type FinetuneEpoch,
  type PostHocDocument,
} from '../shared/finetune-document';

const COLUMNS: { name: MetricName; label: string; percent: boolean }[] = [
  { name: 'ece', label: 'ECE', percent: true },
  { name: 'nll', label: 'NLL', percent: false },
  { name: 'accuracy', label: 'Accuracy', percent: true },
  { name: 'misclassificationAuroc', label: 'Miscl. AUROC', percent: false },
  { name: 'aurc', label: 'AURC', percent: false },
];

/** The plain-text comparison the command line prints. */
export function formatFinetuneSummary(document: FinetuneDocument): string {
  const { settings, split, provenance, model, arms } = document;
  const lines = [
    `Model       ${model.name} (${model.format}, ${model.numClasses} classes, output: ${model.output})`,
    `Data        ${document.dataset.path} (${document.dataset.format}, ${pluralCount(document.dataset.sampleCount, 'sample')})`,
  ];
  if (document.trainDataset) {
    lines.push(
      `Train data  ${document.trainDataset.path} (${document.trainDataset.format}, ${pluralCount(document.trainDataset.sampleCount, 'sample')})`,
    );
  }
  lines.push(
    `Split       fine-tune ${groupThousands(split.finetune.size)}${split.source === 'separate' ? ' (separate set)' : ''}, ` +
      `calibration ${groupThousands(split.calibration.size)}, evaluation ${groupThousands(split.evaluation.size)} (stratified, seed ${settings.seed})`,
    `Fine-tune   layers ${settings.layers} (${settings.trainableLayers.join(', ')}; ${pluralCount(settings.trainableParameters, 'weight')}), ` +
      `${pluralCount(settings.epochs, 'epoch')}, batch ${settings.batchSize}, Adam ${settings.learningRate}, backend ${provenance.backend}`,
  );
  if (settings.frozenBatchNormLayers.length > 0) {
    lines.push(
      `            frozen BatchNormalization in inference mode: ${settings.frozenBatchNormLayers.join(', ')}`,
    );
  }
  const gap = document.optimumLogitGap.value;
  lines.push(
    `Alpha       ${document.alpha}` +
      (document.sweep ? ` (lowest calibration NLL of ${settings.alphas.join(', ')})` : '') +
      (gap !== null && Number.isFinite(gap)
        ? `; optimum logit gap log((1 - a + a/K)/(a/K)) = ${gap.toFixed(3)}`
        : ''),
    '',
    `Evaluation part (${pluralCount(split.evaluation.size, 'sample')})` +
      (split.evaluation.size < SMALL_SAMPLE
        ? ` — caution: under ${SMALL_SAMPLE} samples, every number below is uncertain`
        : ''),
  );

  const armLabel = (name: FinetuneArmName): string => {
    const arm = arms[name]!;
    if (name === 'control') return 'control (α = 0)';
    if (name === 'smoothed') return `smoothed (α = ${arm.alpha})`;
    return postHocLabel(name, arm, split.calibration.size);
  };
  lines.push(...armTables(arms, document.deltas, armLabel));
  const width = Math.max(...COLUMNS.map((c) => c.label.length)) + 2;

  if (document.sweep) {
    lines.push('', 'Sweep (α chosen on the calibration part; evaluation-part metrics)');
    lines.push(
      [
        'alpha'.padEnd(8),
        'cal. NLL'.padStart(10),
        'cal. ECE'.padStart(10),
        ...COLUMNS.map((c) => c.label.padStart(width)),
      ].join(''),
    );
    for (const entry of document.sweep) {
      lines.push(
        [
          `${entry.alpha}${entry.chosen ? ' *' : ''}`.padEnd(8),
          value(entry.calibration.nll, false).padStart(10),
          value(entry.calibration.ece, true).padStart(10),
          ...COLUMNS.map((c) => value(entry.metrics[c.name].value, c.percent).padStart(width)),
        ].join(''),
      );
    }
  }

  lines.push('', ...document.tradeOffs.map((line) => `- ${line}`));
  if (document.exportedModel) {
    const arm = document.exportedArm ?? 'smoothed';
    lines.push('', `Exported    ${document.exportedModel} (${arm} arm)`);
  }
  return lines.join('\n');
}

function postHocLabel(name: FinetuneArmName, arm: FinetuneArm, calibrationSize: number): string {
  if (name === 'temperature') {
    const small = smallSampleNote(calibrationSize);
    return `temperature (T = ${(arm.temperature ?? NaN).toFixed(3)}${small ? `, ${small}` : ''})`;
  }
  if (name === 'original') return 'original';
  return arm.calibrator?.name ?? name;
}

/** The arm table (evaluation-part metrics) and the table of changes from the original. */
function armTables(
  arms: Partial<Record<FinetuneArmName, FinetuneArm>>,
  deltas: Partial<Record<ComparedArmName, Record<MetricName, MetricEstimate>>>,
  armLabel: (name: FinetuneArmName) => string,
): string[] {
  const lines: string[] = [];
  const ARMS = armNamesOf(arms);
  const COMPARED = ARMS.filter((name): name is ComparedArmName => name !== 'original');
  const labelWidth = Math.max(12, ...ARMS.map((name) => armLabel(name).length)) + 1;
  const width = Math.max(...COLUMNS.map((c) => c.label.length)) + 2;
  lines.push(['Arm'.padEnd(labelWidth), ...COLUMNS.map((c) => c.label.padStart(width))].join(''));
  for (const name of ARMS) {
    const metrics = arms[name]!.metrics;
    lines.push(
      [
        armLabel(name).padEnd(labelWidth),
        ...COLUMNS.map((c) => value(metrics[c.name].value, c.percent).padStart(width)),
      ].join(''),
    );
  }

  lines.push(
    '',
    'Change from the original (95% paired bootstrap interval; percentages in points;',
    '"no clear change" where the interval includes 0)',
  );
  const cells = COMPARED.map((name) => COLUMNS.map((c) => delta(deltas[name]![c.name], c.percent)));
  const cellWidth = Math.max(...cells.flat().map((cell) => cell.length), 12) + 3;
  lines.push(
    ['Arm'.padEnd(labelWidth + 2), ...COLUMNS.map((c) => c.label.padEnd(cellWidth))]
      .join('')
      .trimEnd(),
  );
  COMPARED.forEach((name, i) => {
    lines.push(
      [armLabel(name).padEnd(labelWidth + 2), ...cells[i].map((cell) => cell.padEnd(cellWidth))]
        .join('')
        .trimEnd(),
    );
  });
  return lines;
}

/** The plain-text post-hoc comparison (`calibrate`, `audit --calibrate`). */
export function formatPostHocSummary(document: PostHocDocument): string {
  const { settings, split, arms } = document;
  const source = document.scores
    ? `Scores      ${document.scores.path} (${document.scores.format}, ${document.scores.output})`
    : `Model       ${document.model?.name} (${document.model?.format}, output: ${document.model?.output})`;
  const lines = [
    'Post-hoc calibrators (no fine-tune)',
    source,
    `Data        ${document.dataset.path} (${pluralCount(document.dataset.sampleCount, 'sample')}, ${pluralCount(document.provenance.classNames.length, 'class', 'classes')})`,
    `Split       calibration ${groupThousands(split.calibration.size)}, evaluation ${groupThousands(split.evaluation.size)} (stratified, seed ${settings.seed}); fitted on ${settings.input}`,
    `Why         ${document.finetuneNotOffered}`,
    '',
    `Evaluation part (${pluralCount(split.evaluation.size, 'sample')})`,
  ];
  lines.push(
    ...armTables(
      arms as Partial<Record<FinetuneArmName, FinetuneArm>>,
      document.deltas as Partial<Record<ComparedArmName, Record<MetricName, MetricEstimate>>>,
      (name) =>
        postHocLabel(
          name,
          (arms as Partial<Record<FinetuneArmName, FinetuneArm>>)[name]!,
          split.calibration.size,
        ),
    ),
  );
  lines.push('', ...document.tradeOffs.map((line) => `- ${line}`));
  return lines.join('\n');
}

/** One line of the training log. */
export function describeEpoch(epoch: FinetuneEpoch): string {
  const arm = epoch.arm === 'control' ? 'control' : `α = ${epoch.alpha}`;
  return (
    `${arm} epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(4)}, ` +
    `training accuracy ${value(epoch.accuracy, true)}, calibration ECE ${value(epoch.calibrationEce, true)}, ` +
    `${epoch.seconds.toFixed(1)} s`
  );
}

function value(x: number, percent: boolean): string {
  if (!Number.isFinite(x)) return 'n/a';
  return percent ? `${(x * 100).toFixed(2)}%` : x.toFixed(4);
}

/** "−1.30 (−2.10 to −0.50)", or "no clear change: +0.05 (−0.20 to +0.30)" when it includes 0. */
function delta(estimate: MetricEstimate, percent: boolean): string {
  const scale = percent ? 100 : 1;
  const digits = percent ? 2 : 4;
  const [lo, hi] = estimate.ci95;
  const text = `${signed(estimate.value * scale, digits)} (${signedInterval(lo, hi, digits, scale)})`;
  const unclear = Number.isFinite(lo) && Number.isFinite(hi) && lo <= 0 && hi >= 0;
  return unclear && estimate.value !== 0 ? `no clear change: ${text}` : text;
}
