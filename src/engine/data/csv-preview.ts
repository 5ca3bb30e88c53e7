import type { CsvPreview } from '../../shared/audit-document';
import { excerpt } from '../excerpt.js';
import { InputError } from '../input-error.js';
import {
  describeModelClasses,
  mapLabelsToClasses,
  parseClassIndex,
  type LabelOccurrence,
  type ModelClasses,
} from './class-mapping.js';
import { guessLabelColumn, idColumnOf } from './csv.js';
import { readCsvRecords } from './csv-records.js';
import type { InputSpec } from './types.js';

/** Rows shown in a preview. */
export const PREVIEW_ROWS = 8;
/** Longest cell shown in a preview. */
const PREVIEW_CELL_CHARS = 40;
/** Distinct labels listed at most (a wrongly chosen column of numbers has thousands). */
const MAX_MAPPED_LABELS = 200;

export interface CsvPreviewOptions extends ModelClasses {
  input: InputSpec;
  /** The column the user chose; default the obvious one (label, target, class, y). */
  labelColumn?: string;
  signal?: AbortSignal;
}

function cut(cell: string): string {
  const chars = Array.from(cell);
  return chars.length > PREVIEW_CELL_CHARS
    ? `${chars.slice(0, PREVIEW_CELL_CHARS).join('')}…`
    : cell;
}

/**
 * Reads a CSV test set once to show it before an audit: its first rows, the label column (the one
 * chosen, else the obvious one), the feature columns against what the model takes, and each label's
 * class. Nothing here fails for a wrong choice: problems are listed so that the user can fix them in
 * the window; only a file that is not a readable CSV throws (an InputError naming it).
 */
export async function previewCsv(path: string, options: CsvPreviewOptions): Promise<CsvPreview> {
  let columns: string[] | null = null;
  const rows: string[][] = [];
  let labelIndex = -1;
  let labelGuessed = false;
  const counts = new Map<string, { count: number; row: number }>();
  let rowCount = 0;
  let badRow: string | null = null;
  let badNumber: string | null = null;
  let featureIndices: number[] = [];

  for await (const records of readCsvRecords(path, options.signal)) {
    for (const record of records) {
      if (!columns) {
        columns = record.fields.map((c) => c.trim());
        if (options.labelColumn !== undefined) {
          const wanted = options.labelColumn.trim().toLowerCase();
          labelIndex = columns.indexOf(options.labelColumn);
          if (labelIndex < 0) labelIndex = columns.findIndex((c) => c.toLowerCase() === wanted);
        } else {
          labelIndex = guessLabelColumn(columns);
          labelGuessed = labelIndex >= 0;
        }
        const idIndex = idColumnOf(columns, labelIndex);
        featureIndices = columns.flatMap((_, i) => (i === labelIndex || i === idIndex ? [] : [i]));
        continue;
      }
      rowCount++;
      if (record.fields.length !== columns.length) {
        badRow ??= `row ${rowCount} (line ${record.line}) has ${record.fields.length} fields but the header has ${columns.length}`;
        continue;
      }
      if (rows.length < PREVIEW_ROWS) rows.push(record.fields.map(cut));
      if (badNumber === null) {
        for (const i of featureIndices) {
          const cell = record.fields[i];
          if (cell.trim() === '' || !Number.isFinite(Number(cell))) {
            badNumber = `row ${rowCount}, column ${excerpt(columns[i])}: ${excerpt(cell)} is not a number`;
            break;
          }
        }
      }
      if (labelIndex >= 0) {
        const label = record.fields[labelIndex].trim();
        const seen = counts.get(label);
        if (seen) seen.count++;
        else if (counts.size < MAX_MAPPED_LABELS * 50)
          counts.set(label, { count: 1, row: rowCount });
      }
    }
  }
  if (!columns) throw new InputError(path, 'is empty: expected a header row and data rows');

  const input = options.input;
  const expectedFeatures =
    input.kind === 'features' ? input.size : input.height * input.width * input.channels;
  const problems: string[] = [];
  if (labelIndex < 0) {
    problems.push(
      options.labelColumn === undefined
        ? 'No column is named label, target, class or y: choose the column that holds the labels.'
        : `There is no column ${excerpt(options.labelColumn)}: choose the column that holds the labels.`,
    );
  }
  if (rowCount === 0) problems.push('The file has a header but no data rows.');
  if (badRow) problems.push(`${capitalise(badRow)}.`);
  // Without a label column, the feature columns are not known yet: only the choice is asked for.
  if (labelIndex >= 0 && featureIndices.length !== expectedFeatures) {
    const wanted =
      input.kind === 'features'
        ? `${expectedFeatures} features`
        : `${expectedFeatures} pixel values (${input.height}×${input.width}×${input.channels})`;
    problems.push(
      `${featureIndices.length} feature ${featureIndices.length === 1 ? 'column' : 'columns'}, but the model takes ${wanted}.`,
    );
  }
  if (labelIndex >= 0 && badNumber) problems.push(`${capitalise(badNumber)}.`);

  const sorted = [...counts].sort((a, b) => b[1].count - a[1].count || compareLabels(a[0], b[0]));
  const mapping = sorted.map(([label, seen]) => ({
    label: cut(label),
    count: seen.count,
    classIndex: classOf(label, options),
  }));
  const unknown = mapping.filter((m) => m.classIndex === null);
  if (labelIndex >= 0 && unknown.length > 0 && unknown.length < mapping.length) {
    // Labels that name no class, named (the audit would stop at the first of them).
    const listed = unknown
      .slice(0, 10)
      .map((m) => excerpt(m.label))
      .join(', ');
    const more = unknown.length > 10 ? `, … (${unknown.length} in all)` : '';
    problems.push(
      `${unknown.length === 1 ? 'Label' : 'Labels'} ${listed}${more} ${unknown.length === 1 ? 'is' : 'are'} not among the model's classes (${describeModelClasses(options)}).`,
    );
  } else if (labelIndex >= 0 && counts.size > 0) {
    const occurrences: LabelOccurrence[] = sorted.map(([label, seen]) => ({
      label,
      file: path,
      where: `row ${seen.row}`,
    }));
    try {
      const mapped = mapLabelsToClasses(occurrences, options, path, {
        mode: 'auto',
        sortedFallback: false,
      });
      // The audit's own mapping wins (labels given as class numbers when names do not match).
      mapping.forEach((m, i) => (m.classIndex = mapped.get(sorted[i][0]) ?? null));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(`${capitalise(error.problem)}.`);
    }
  }
  const unknownLabels = unknown.map((m) => m.label);
  return {
    file: path,
    columns,
    rows,
    rowCount,
    labelColumn: labelIndex >= 0 ? columns[labelIndex] : null,
    labelGuessed,
    idColumn: (() => {
      const id = idColumnOf(columns, labelIndex);
      return id >= 0 ? columns[id] : null;
    })(),
    featureColumns: featureIndices.map((i) => (columns as string[])[i]),
    expectedFeatures,
    mapping: mapping.slice(0, MAX_MAPPED_LABELS),
    unknownLabels: unknownLabels.slice(0, MAX_MAPPED_LABELS),
    problems,
  };
}

/** A label's class as the audit would map it alone: by name (exact, then case-insensitive), else by number. */
function classOf(label: string, model: ModelClasses): number | null {
  const names = model.classNames ?? [];
  const exact = names.indexOf(label);
  if (exact >= 0) return exact;
  const lower = label.trim().toLowerCase();
  const loose = names.map((n) => n.trim().toLowerCase());
  if (loose.indexOf(lower) >= 0 && loose.lastIndexOf(lower) === loose.indexOf(lower))
    return loose.indexOf(lower);
  const index = parseClassIndex(label);
  return index !== null && index < model.numClasses && names.length === 0 ? index : null;
}

function compareLabels(a: string, b: string): number {
  const ia = parseClassIndex(a) ?? Infinity;
  const ib = parseClassIndex(b) ?? Infinity;
  return ia - ib || (a < b ? -1 : a > b ? 1 : 0);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
