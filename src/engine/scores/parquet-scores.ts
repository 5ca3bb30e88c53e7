import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type ColumnData,
  type FileMetaData,
} from 'hyparquet';
import { InputError } from '../input-error';
import { hidden, type ReadScores, type ScoreReadOptions } from './read-scores';
import { resolveScoreColumns, type ScoreColumns } from './score-columns';
import { ScoreTable } from './score-table';
import { unknownLabel } from './csv-scores';

/**
 * A Parquet score file, or a folder of part files as Spark, Ray or a warehouse export writes them
 * (`part-00000-….parquet`, partition sub-folders, `_SUCCESS` and `.crc` files ignored), read with
 * hyparquet row group by row group: only the label, id and score columns, and one row group's column
 * chunks alive at a time. Columns follow the same rule as a CSV (score-columns.ts), or the scores
 * are one list<float> column (K values per row, as pandas, pyarrow and Spark write arrays; K from
 * the first row, every row must have K).
 */
export async function readParquetScores(
  path: string,
  options: ScoreReadOptions,
): Promise<ReadScores> {
  const files = (await stat(path)).isDirectory() ? await partFiles(path) : [path];
  if (files.length === 0) throw new InputError(path, 'holds no .parquet part files.');
  const opened: {
    file: string;
    metadata: FileMetaData;
    buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  }[] = [];
  let columns: ScoreColumns | null = null;
  let total = 0;
  for (const file of files) {
    const buffer = await asyncBufferFromFile(file);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      throw new InputError(file, `is not a readable Parquet file (${(error as Error).message}).`);
    }
    const children = parquetSchema(metadata).children;
    const names = children.map((child) => child.element.name);
    const listColumns = children
      .filter(
        (child) =>
          child.element.converted_type === 'LIST' || child.element.logical_type?.type === 'LIST',
      )
      .map((child) => child.element.name);
    const resolved = resolveScoreColumns(names, { ...options, listColumns });
    if (typeof resolved === 'string') throw new InputError(file, resolved);
    if (columns && resolved.scores.join('\0') !== columns.scores.join('\0')) {
      throw new InputError(file, `has other score columns than ${files[0]}.`);
    }
    columns ??= resolved;
    total += Number(metadata.num_rows);
    opened.push({ file, metadata, buffer });
  }
  const cols = columns!;
  const k = cols.list ? await listLength(opened, cols.scores[0]) : cols.scores.length;
  if (cols.list && k < 2) {
    throw new InputError(
      files[0],
      `has ${k} value${k === 1 ? '' : 's'} per row in its '${cols.scores[0]}' list; expected one per class (K >= 2).`,
    );
  }
  if (cols.list && options.classNames && options.classNames.length !== k) {
    throw new InputError(
      files[0],
      `has ${k} scores per row in its '${cols.scores[0]}' list but --classes names ${options.classNames.length} classes.`,
    );
  }
  const table = new ScoreTable(k, cols.kind, cols.classNames, cols.id !== null, total);
  const scoreIndex = new Map(cols.scores.map((name, c) => [name, c]));
  for (const { file, metadata, buffer } of opened) {
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      options.signal?.throwIfAborted();
      const rows = Number(group.num_rows);
      const base = table.size;
      const groupEnd = groupStart + rows;
      let badLabel: { row: number; raw: unknown } | null = null;
      let badList: { row: number; length: number } | null = null;
      const ids: string[] = cols.id !== null ? new Array<string>(rows) : [];
      const onChunk = (chunk: ColumnData) => {
        const from = Math.max(chunk.rowStart, groupStart);
        const to = Math.min(chunk.rowEnd, groupEnd);
        const data = chunk.columnData;
        const c = scoreIndex.get(chunk.columnName);
        if (cols.list && c !== undefined) {
          const values = table.values;
          for (let r = from; r < to; r++) {
            const list = data[r - chunk.rowStart] as ArrayLike<unknown> | null | undefined;
            const at = (base + r - groupStart) * k;
            if (!list || list.length !== k) {
              badList ??= { row: r, length: list ? list.length : 0 };
              for (let j = 0; j < k; j++) values[at + j] = NaN;
              continue;
            }
            for (let j = 0; j < k; j++) {
              const v = list[j];
              values[at + j] = v === null || v === undefined ? NaN : Number(v);
            }
          }
        } else if (c !== undefined) {
          const values = table.values;
          for (let r = from; r < to; r++) {
            const v = data[r - chunk.rowStart];
            values[(base + r - groupStart) * k + c] =
              v === null || v === undefined ? NaN : Number(v);
          }
        } else if (chunk.columnName === cols.label) {
          for (let r = from; r < to; r++) {
            const raw = data[r - chunk.rowStart];
            const label = table.classIndex(raw);
            table.labels[base + r - groupStart] = label;
            if (label < 0 && !badLabel) badLabel = { row: r, raw };
          }
        } else if (chunk.columnName === cols.id) {
          for (let r = from; r < to; r++) ids[r - groupStart] = String(data[r - chunk.rowStart]);
        }
      };
      try {
        await parquetRead({
          file: buffer,
          metadata,
          columns: [cols.label, ...(cols.id !== null ? [cols.id] : []), ...cols.scores],
          rowStart: groupStart,
          rowEnd: groupEnd,
          onChunk,
        });
      } catch (error) {
        throw new InputError(file, `could not be read (${(error as Error).message}).`);
      }
      table.size = base + rows;
      const ragged = badList as { row: number; length: number } | null;
      if (ragged) {
        throw new InputError(
          file,
          `row ${ragged.row + 1} (index ${ragged.row}): the '${cols.scores[0]}' list has ${ragged.length} values, not ${k} (one per class, as in the first row).`,
        );
      }
      const bad = badLabel as { row: number; raw: unknown } | null;
      if (bad) {
        throw new InputError(
          file,
          `row ${bad.row + 1} (index ${bad.row}): ${unknownLabel(bad.raw, table)}`,
        );
      }
      const problem = table.checkRows(base, base + rows);
      if (problem) {
        const row = problem.index - base + groupStart;
        throw new InputError(file, `row ${row + 1} (index ${row}): ${problem.problem}.`);
      }
      if (table.ids) for (const id of ids) table.ids.push(id);
      groupStart = groupEnd;
    }
  }
  return {
    table,
    format: 'parquet',
    files,
    labelColumn: cols.label,
    scoreColumns: cols.scores,
  };
}

/** The length of the list in the first row that has one (0 when no row has one). */
async function listLength(
  opened: {
    file: string;
    metadata: FileMetaData;
    buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  }[],
  column: string,
): Promise<number> {
  for (const { file, metadata, buffer } of opened) {
    if (Number(metadata.num_rows) === 0) continue;
    let length = 0;
    await parquetRead({
      file: buffer,
      metadata,
      columns: [column],
      rowStart: 0,
      rowEnd: 1,
      onChunk: (chunk) => {
        const first = chunk.columnData[0] as ArrayLike<unknown> | null | undefined;
        if (chunk.rowStart === 0 && first) length = first.length;
      },
    }).catch((error: unknown) => {
      throw new InputError(file, `could not be read (${(error as Error).message}).`);
    });
    return length;
  }
  return 0;
}

/** Every .parquet file under a folder (partition sub-folders included), in path order. */
async function partFiles(folder: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (hidden(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.(parquet|parq|pq)$/i.test(entry.name)) found.push(full);
    }
  }
  await walk(folder);
  return found.sort((a, b) => (relative(folder, a) < relative(folder, b) ? -1 : 1));
}
