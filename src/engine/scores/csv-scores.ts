import { readCsvRecords } from '../data/csv-records';
import { InputError } from '../input-error';
import { resolveScoreColumns } from './score-columns';
import type { ReadScores, ScoreReadOptions } from './read-scores';
import { ScoreTable } from './score-table';

/**
 * A CSV score file: a header naming a label column and one score column per class (see
 * score-columns.ts), then one row per sample. Streamed record by record into typed arrays; the first
 * bad row stops the read with its line number.
 */
export async function readCsvScores(path: string, options: ScoreReadOptions): Promise<ReadScores> {
  let table: ScoreTable | null = null;
  let labelAt = -1;
  let idAt = -1;
  let scoreAt: number[] = [];
  let resolved: ReturnType<typeof resolveScoreColumns> | null = null;
  let width = 0;
  for await (const records of readCsvRecords(path, options.signal)) {
    for (const record of records) {
      if (!table) {
        const header = record.fields.map((f) => f.trim());
        resolved = resolveScoreColumns(header, options);
        if (typeof resolved === 'string') throw new InputError(path, resolved);
        width = header.length;
        labelAt = header.indexOf(resolved.label);
        idAt = resolved.id === null ? -1 : header.indexOf(resolved.id);
        scoreAt = resolved.scores.map((c) => header.indexOf(c));
        table = new ScoreTable(
          resolved.scores.length,
          resolved.kind,
          resolved.classNames,
          resolved.id !== null,
        );
        continue;
      }
      const { fields, line } = record;
      if (fields.length !== width) {
        throw new InputError(
          path,
          `line ${line}: has ${fields.length} fields, the header ${width}.`,
        );
      }
      const i = table.size;
      table.reserve(1);
      const label = table.classIndex(fields[labelAt]);
      if (label < 0)
        throw new InputError(path, `line ${line}: ${unknownLabel(fields[labelAt], table)}`);
      table.labels[i] = label;
      const k = table.numClasses;
      for (let c = 0; c < k; c++) {
        const text = fields[scoreAt[c]].trim();
        table.values[i * k + c] = text === '' ? NaN : Number(text);
      }
      const problem = table.checkRows(i, i + 1);
      if (problem) throw new InputError(path, `line ${line}: ${problem.problem}.`);
      table.ids?.push(fields[idAt]);
      table.size++;
    }
  }
  if (!table || !resolved || typeof resolved === 'string') {
    throw new InputError(path, 'is empty (no header row).');
  }
  return {
    table,
    format: 'csv',
    files: [path],
    labelColumn: resolved.label,
    scoreColumns: resolved.scores,
  };
}

/** Why a label names no class, as a clause. */
export function unknownLabel(raw: unknown, table: ScoreTable): string {
  const shown = String(raw)
    .slice(0, 40)
    .replace(/[^\x20-\x7e]/g, '?');
  const k = table.numClasses;
  const names = table.classNames;
  return names
    ? `the label '${shown}' is not one of the ${k} classes (${names.slice(0, 6).join(', ')}${k > 6 ? ', ...' : ''}) nor an index 0..${k - 1}.`
    : `the label '${shown}' is not a class index 0..${k - 1} (give class names with --classes to use names).`;
}
