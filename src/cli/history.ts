import { writeFile } from 'node:fs/promises';
import type { AuditResult } from '../engine/audit';
import { stringifyAuditDocument } from '../engine/audit-document';
import { InputError } from '../engine/input-error';
import type { MetricEstimate } from '../core/types';
import type { FinetuneDocument } from '../shared/finetune-document';
import {
  defaultHistoryPath,
  openHistory,
  recoveryNotice,
  type AuditSummary,
  type FinetuneSummary,
  type History,
} from '../storage';
import { EXIT, reportFailure } from './failure';
import type { HistoryArgs } from './history-args';
import { signed, signedInterval } from '../core/number-format';
import { METRIC_ROWS, decimal, formatSummary, percent } from './summary';

/**
 * Opens the history `file`, telling the user on stderr when a damaged file was moved aside (only a
 * command that writes, `access: 'write'`, does that; a reading one reports the damage and leaves it).
 */
async function withHistory<T>(
  file: string,
  use: (history: History) => Promise<T>,
  access: 'read' | 'write' = 'write',
): Promise<T> {
  const history = await openHistory(file, { access });
  const recovered = recoveryNotice(history);
  if (recovered) process.stderr.write(`calibration-audit: ${recovered}\n`);
  try {
    return await use(history);
  } finally {
    await history.close();
  }
}

/** Saves a finished audit to `--db FILE` and prints where. */
export async function saveAuditTo(file: string, result: AuditResult, name?: string): Promise<void> {
  const id = await withHistory(file, (history) => history.saveAudit(result, name));
  process.stdout.write(`Saved as audit #${id} in ${file}\n`);
}

/** Saves a finished fine-tune to `--db FILE` and prints where. */
export async function saveFinetuneTo(
  file: string,
  document: FinetuneDocument,
  name?: string,
): Promise<void> {
  const id = await withHistory(file, (history) => history.saveFinetune(document, { name }));
  process.stdout.write(`Saved as fine-tune #${id} in ${file}\n`);
}

/** The history actions that change the file; the others only read it. */
const WRITING_ACTIONS = new Set<HistoryArgs['action']>(['rename', 'delete']);

/** `calibration-audit history ...`: reads and edits the saved audits; no inference runs. */
export async function runHistoryCommand(args: HistoryArgs): Promise<number> {
  const file = args.db ?? defaultHistoryPath();
  try {
    await withHistory(
      file,
      async (history) => {
        switch (args.action) {
          case 'list': {
            const model = await expand(history, 'model', args.modelFingerprint);
            const data = await expand(history, 'test set', args.datasetFingerprint);
            const audits = await history.listAudits({
              modelFingerprint: model,
              datasetFingerprint: data,
            });
            const finetunes = (await history.listFinetunes({ modelFingerprint: model })).filter(
              (f) => data === undefined || f.datasetFingerprint === data,
            );
            process.stdout.write(
              audits.length === 0 ? `No audits in ${file}.\n` : auditTable(audits),
            );
            if (finetunes.length > 0) process.stdout.write(`\n${finetuneTable(finetunes)}`);
            return;
          }
          case 'show': {
            const { summary, document } = await history.getAudit(args.id);
            process.stdout.write(
              `Audit #${summary.id}: ${summary.name} (saved ${summary.saved})\n`,
            );
            process.stdout.write(`${formatSummary(document)}\n`);
            if (args.jsonFile) {
              await writeFile(args.jsonFile, stringifyAuditDocument(document) + '\n');
            }
            return;
          }
          case 'compare': {
            const comparison = await history.compareAudits(args.a, args.b, {
              bootstrapResamples: args.bootstrapResamples,
              seed: args.seed,
            });
            const { a, b } = comparison;
            const lines = [
              `A  #${a.id} ${a.name} (${a.created})`,
              `B  #${b.id} ${b.name} (${b.created})`,
              `${comparison.sampleCount} paired samples, ${comparison.bins} bins, ` +
                `${comparison.bootstrapResamples} paired bootstrap resamples (seed ${comparison.seed})`,
              '',
            ];
            const rows = METRIC_ROWS.map((row) => {
              const delta = comparison.deltas[row.name];
              const format = row.percent ? signedPercent : signedDecimal;
              // The MCE is one bin's error: its bootstrap interval cannot be trusted (see each
              // audit's MCE bin).
              if (row.name === 'mce') return [row.label, format(delta.value), 'no interval', ''];
              const [lo, hi] = delta.ci95;
              const unclear =
                Number.isFinite(lo) &&
                Number.isFinite(hi) &&
                lo <= 0 &&
                hi >= 0 &&
                delta.value !== 0;
              return [
                row.label,
                format(delta.value),
                interval(delta, row.percent),
                unclear ? 'no clear change' : '',
              ];
            });
            lines.push(table(['Metric', 'B − A', '95% interval', ''], rows, [1]));
            process.stdout.write(lines.join('\n'));
            if (args.jsonFile) {
              await writeFile(
                args.jsonFile,
                JSON.stringify(
                  comparison,
                  (_key, value: unknown) =>
                    typeof value === 'number' && !Number.isFinite(value) ? null : value,
                  2,
                ) + '\n',
              );
            }
            return;
          }
          case 'trend': {
            const points = await history.trend(
              (await expand(history, 'model', args.modelFingerprint)) ?? args.modelFingerprint,
            );
            if (points.length === 0) {
              process.stdout.write(`No audits of model ${args.modelFingerprint} in ${file}.\n`);
              return;
            }
            const rows = points.map((p) => [
              String(p.id),
              p.created,
              p.testSetName,
              `${percent(p.accuracy.value)} (${valueInterval(p.accuracy, percent)})`,
              `${percent(p.ece.value)} (${valueInterval(p.ece, percent)})`,
              `${decimal(p.nll.value)} (${valueInterval(p.nll, decimal)})`,
            ]);
            process.stdout.write(
              table(['ID', 'Created', 'Test set', 'Accuracy', 'ECE', 'NLL'], rows, [0]),
            );
            return;
          }
          case 'rename':
            await history.renameAudit(args.id, args.name);
            process.stdout.write(`Renamed audit #${args.id} to "${args.name}" in ${file}\n`);
            return;
          case 'delete':
            await history.deleteAudit(args.id);
            process.stdout.write(`Deleted audit #${args.id} from ${file}\n`);
            return;
        }
      },
      WRITING_ACTIONS.has(args.action) ? 'write' : 'read',
    );
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error);
  }
}

function auditTable(audits: AuditSummary[]): string {
  const header = [
    'ID',
    'Name',
    'Created',
    'Model',
    'Test set',
    'Samples',
    'Accuracy',
    'ECE',
    'Backend',
  ];
  const rows = audits.map((a) => [
    String(a.id),
    a.name,
    a.created,
    `${a.modelName} ${a.modelFingerprint.slice(0, 12)}`,
    `${a.testSetName} ${a.datasetFingerprint.slice(0, 12)}`,
    String(a.sampleCount),
    percent(a.accuracy),
    percent(a.ece),
    a.backend,
  ]);
  return table(header, rows, [0, 5, 6, 7]);
}

/** Fine-tunes with the ECE of the original, the smoothed model and temperature scaling. */
function finetuneTable(finetunes: FinetuneSummary[]): string {
  const header = [
    'ID',
    'Fine-tune',
    'Created',
    'Model',
    'Alpha',
    'Epochs',
    'ECE original',
    'ECE smoothed',
    'ECE temperature',
    'Backend',
  ];
  const rows = finetunes.map((f) => [
    String(f.id),
    f.name,
    f.created,
    `${f.modelName} ${f.modelFingerprint.slice(0, 12)}`,
    String(f.alpha),
    String(f.epochs),
    percent(f.arms.original?.ece ?? NaN),
    percent(f.arms.smoothed?.ece ?? NaN),
    percent(f.arms.temperature?.ece ?? NaN),
    f.backend,
  ]);
  return table(header, rows, [0, 4, 5, 6, 7, 8]);
}

/**
 * A fingerprint as given, or the one full fingerprint it is the start of (the list shows the
 * first 12 characters); an InputError when several match.
 */
async function expand(
  history: History,
  kind: 'model' | 'test set',
  prefix: string | undefined,
): Promise<string | undefined> {
  if (prefix === undefined || prefix.length >= 64) return prefix;
  const all = (await history.listAudits()).map((a) =>
    kind === 'model' ? a.modelFingerprint : a.datasetFingerprint,
  );
  const matches = [...new Set(all.filter((f) => f.startsWith(prefix.toLowerCase())))];
  if (matches.length > 1) {
    throw new InputError(
      history.file,
      `has ${matches.length} ${kind}s whose fingerprint starts with ${prefix}; give more characters.`,
    );
  }
  return matches[0] ?? prefix;
}

function valueInterval(estimate: MetricEstimate, format: (x: number) => string): string {
  return `${format(estimate.ci95[0])} – ${format(estimate.ci95[1])}`;
}

/** A difference's interval in the one signed style: "−1.02% to +1.81%". */
function interval(estimate: MetricEstimate, asPercent: boolean): string {
  const [lo, hi] = estimate.ci95;
  return asPercent
    ? signedInterval(lo, hi, 2, 100, '').replace(/(\d)( to |$)/g, '$1%$2')
    : signedInterval(lo, hi, 4);
}

function signedPercent(x: number): string {
  return Number.isFinite(x) ? `${signed(x * 100, 2)}%` : 'n/a';
}

function signedDecimal(x: number): string {
  return Number.isFinite(x) ? signed(x, 4) : 'n/a';
}

/** A plain-text table; the columns listed in `right` are right-aligned. */
function table(header: string[], rows: string[][], right: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
