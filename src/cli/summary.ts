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
        `Test set  ${dataset.path} (${dataset.format}, ${provenance.sampleCount} samples)`,
        ...(dataset.featureColumns ? [`Features  ${dataset.featureColumns.join(', ')}`] : []),
        `Backend   ${provenance.backend}`,
        '',
      ]
    : [
        `Scores    ${scores?.path} (${scores?.format}, ${provenance.sampleCount} samples, ${scores?.numClasses} classes, ${scores?.output}; no model)`,
        `Columns   label ${scores?.labelColumn}; scores ${columnRange(scores?.scoreColumns ?? [])}`,
        '',
      ];
  const labelWidth = Math.max(...METRIC_ROWS.map((row) => row.label.length));
  lines.push(`${'Metric'.padEnd(labelWidth)}  ${'Value'.padStart(8)}  95% interval`);
  for (const row of METRIC_ROWS) {
    const { value, ci95 } = document.metrics[row.name];
    const format = row.percent ? percent : decimal;
    lines.push(
      `${row.label.padEnd(labelWidth)}  ${format(value).padStart(8)}  ${format(ci95[0])} – ${format(ci95[1])}`,
    );
  }
  lines.push('');
  lines.push(
    `Flags     ${flags.samplesTotal} confident mistakes (confidence ≥ ${flags.confidenceThreshold}), ` +
      `${flags.bins.length} overconfident bins, ${flags.classes.length} classes standing out` +
      (flags.classes.length ? ` (${flags.classes.map((c) => c.className).join(', ')})` : ''),
  );
  const { skipped } = document;
  if (skipped.length > 0) {
    lines.push(`Skipped   ${skipped.length} unreadable file${skipped.length === 1 ? '' : 's'}:`);
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
