import { FLAG_RULE } from '../core/calibration-tests';
import { pluralCount } from '../core/number-format';
import { perClassSummary } from '../core/per-class';
import { smallSampleNote } from '../core/sample-size';
import type { MetricName } from '../core/types';
import type { AuditDocument } from '../shared/audit-document';

const SKIPPED_SHOWN = 5;

export const METRIC_ROWS: { name: MetricName; label: string; percent: boolean }[] = [
  { name: 'accuracy', label: 'Accuracy', percent: true },
  { name: 'averageConfidence', label: 'Mean confidence', percent: true },
  { name: 'overconfidenceGap', label: 'Overconfidence gap', percent: true },
  { name: 'ece', label: 'ECE', percent: true },
  { name: 'mce', label: 'MCE', percent: true },
  { name: 'adaptiveEce', label: 'Adaptive ECE', percent: true },
  { name: 'classwiseEce', label: 'Classwise ECE', percent: true },
  { name: 'smoothEce', label: 'Smooth ECE', percent: true },
  { name: 'nll', label: 'NLL', percent: false },
  { name: 'brier', label: 'Brier', percent: false },
  { name: 'misclassificationAuroc', label: 'Misclassification AUROC', percent: false },
  { name: 'aurc', label: 'AURC', percent: false },
];

/** The plain-text summary the command line prints: provenance, a metrics table, flags and the verdict. */
export function formatSummary(document: AuditDocument): string {
  const { provenance, model, scores, dataset, flags } = document;
  const lines = model
    ? [
        `Model     ${model.name} (${model.format}, ${model.numClasses} classes, output: ${model.output})`,
        `Test set  ${dataset.path} (${dataset.format}, ${pluralCount(provenance.sampleCount, 'sample')})`,
        ...(dataset.featureColumns ? [`Features  ${dataset.featureColumns.join(', ')}`] : []),
        `Backend   ${provenance.backend}`,
        '',
      ]
    : [
        `Scores    ${scores?.path} (${scores?.format}, ${pluralCount(provenance.sampleCount, 'sample')}, ${scores?.numClasses} classes, ${scores?.output}; no model)`,
        `Columns   label ${scores?.labelColumn}; scores ${columnRange(scores?.scoreColumns ?? [])}`,
        '',
      ];
  const labelWidth = Math.max(...METRIC_ROWS.map((row) => row.label.length));
  lines.push(`${'Metric'.padEnd(labelWidth)}  ${'Value'.padStart(8)}  95% interval`);
  const small = smallSampleNote(provenance.sampleCount);
  for (const row of METRIC_ROWS) {
    const { value, ci95 } = document.metrics[row.name];
    const format = row.percent ? percent : decimal;
    let interval = `${format(ci95[0])} – ${format(ci95[1])}`;
    if (row.name === 'mce') interval = mceInterval(document);
    lines.push(
      `${row.label.padEnd(labelWidth)}  ${format(value).padStart(8)}  ${interval}${small ? ` (${small})` : ''}`,
    );
    const debiased = document.debiased?.[row.name as 'ece' | 'adaptiveEce' | 'classwiseEce'];
    if (debiased) {
      lines.push(
        `${'  debiased'.padEnd(labelWidth)}  ${percent(debiased.value).padStart(8)}  ` +
          (document.bootstrapResamples > 0
            ? `${percent(debiased.ci95[0])} – ${percent(debiased.ci95[1])} (bias-corrected)`
            : 'no resampling'),
      );
    }
  }
  if (document.debiased?.ece) {
    lines.push(
      'Binned ECEs are biased upward and their percentile intervals inherit the bias; the',
      'debiased rows (Kumar, Liang & Ma 2019) and their bias-corrected intervals do not.',
    );
  }
  lines.push('');
  const tested = document.tests
    ? ` of ${document.tests.tests.filter((t) => t.kind === 'bin').length} tested`
    : '';
  lines.push(
    `Flags     ${pluralCount(flags.samplesTotal, 'confident mistake')} (confidence ≥ ${flags.confidenceThreshold}), ` +
      `${pluralCount(flags.bins.length, 'overconfident bin')}${tested}, ` +
      `${pluralCount(flags.classes.length, 'overconfident class', 'overconfident classes')}` +
      (flags.classes.length ? ` (${flags.classes.map((c) => c.className).join(', ')})` : ''),
  );
  if (document.tests) lines.push(wrap(`Rule      ${FLAG_RULE}`, 'Rule      '.length));
  const className = (k: number) => document.perClass[k]?.className ?? String(k);
  lines.push(wrap(`Classes   ${perClassSummary(document.perClass, flags.classes, className)}`, 10));
  for (const note of document.verdict.notes ?? []) lines.push(wrap(`Caution   ${note}`, 10));
  const { skipped } = document;
  if (skipped.length > 0) {
    lines.push(`Skipped   ${pluralCount(skipped.length, 'unreadable file')}:`);
    for (const file of skipped.slice(0, SKIPPED_SHOWN))
      lines.push(`          ${file.file}: ${file.reason}`);
    if (skipped.length > SKIPPED_SHOWN) {
      lines.push(`          and ${skipped.length - SKIPPED_SHOWN} more (all listed in --json)`);
    }
  }
  lines.push('', document.verdict.text);
  return lines.join('\n');
}

export function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a';
}

export function decimal(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}

function columnRange(columns: string[]): string {
  return columns.length > 3 ? `${columns[0]}..${columns[columns.length - 1]}` : columns.join(', ');
}

/** The MCE's "interval": the bin that sets it, its count and its own Wilson interval. */
function mceInterval(document: AuditDocument): string {
  const bin = document.mceBin;
  if (!bin || !bin.accuracyInterval) return 'n/a';
  return (
    `bin ${bin.lower.toFixed(2)}–${bin.upper.toFixed(2)}, ${pluralCount(bin.count, 'sample')}, ` +
    `accuracy ${percent(bin.accuracy ?? NaN)} (Wilson ${percent(bin.accuracyInterval[0])} – ${percent(bin.accuracyInterval[1])})`
  );
}

/** Wraps a long line at 100 columns, indenting the continuation lines. */
function wrap(text: string, indent: number): string {
  const words = text.split(' ');
  const out: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > 100) {
      out.push(line);
      line = ' '.repeat(indent) + word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(line);
  return out.join('\n');
}
