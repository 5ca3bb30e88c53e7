import { createHash } from 'node:crypto';
import { excerpt } from '../excerpt.js';
import { InputError } from '../input-error.js';
import { checkBatchSize } from './batch-size.js';
import { mapLabelsToClasses, type LabelOccurrence } from './class-mapping.js';
import { readCsvRecords, type CsvRecord } from './csv-records.js';
import { scalePixels } from './scaling.js';
import { encodeThumbnail } from './thumbnail.js';
import type { Batch, DatasetOptions, OpenedDataset, PixelScaling, SampleValue } from './types.js';

/** Label column names recognised without being told, by priority. */
const LABEL_NAMES = ['label', 'target', 'class', 'y'];
const MAX_LISTED_COLUMNS = 20;

interface CsvLayout {
  columns: string[];
  labelIndex: number;
  idIndex: number;
  featureIndices: number[];
}

function listColumns(columns: string[]): string {
  const listed = columns.slice(0, MAX_LISTED_COLUMNS).map((c) => excerpt(c));
  const more = columns.length > MAX_LISTED_COLUMNS ? `, … (${columns.length} in all)` : '';
  return `${listed.join(', ')}${more}`;
}

/** The obvious label column (label, target, class, y; any case), or -1. */
export function guessLabelColumn(columns: string[]): number {
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const name of LABEL_NAMES) {
    const index = lower.indexOf(name);
    if (index >= 0) return index;
  }
  return -1;
}

/** The `id` column (any case), when it is not the label column; or -1. */
export function idColumnOf(columns: string[], labelIndex: number): number {
  return columns.findIndex((c, i) => i !== labelIndex && c.trim().toLowerCase() === 'id');
}

function findColumn(columns: string[], name: string): number {
  const exact = columns.indexOf(name);
  if (exact >= 0) return exact;
  const wanted = name.trim().toLowerCase();
  return columns.findIndex((c) => c.toLowerCase() === wanted);
}

function layoutFromHeader(path: string, header: string[], options: DatasetOptions): CsvLayout {
  const columns = header.map((c) => c.trim());
  let labelIndex: number;
  if (options.labelColumn !== undefined) {
    labelIndex = findColumn(columns, options.labelColumn);
    if (labelIndex < 0) {
      throw new InputError(
        path,
        `has no column ${excerpt(options.labelColumn)}; its columns are ${listColumns(columns)}`,
      );
    }
  } else {
    labelIndex = guessLabelColumn(columns);
    if (labelIndex < 0) {
      throw new InputError(
        path,
        `has no label column (named label, target, class or y; or choose one); its columns are ${listColumns(columns)}`,
      );
    }
  }
  const idIndex = idColumnOf(columns, labelIndex);
  const featureIndices = columns.flatMap((_, i) => (i === labelIndex || i === idIndex ? [] : [i]));

  const input = options.input;
  if (input.kind === 'features' && input.names) {
    return {
      columns,
      labelIndex,
      idIndex,
      featureIndices: namedColumns(path, columns, input.names),
    };
  }
  const expected =
    input.kind === 'features' ? input.size : input.height * input.width * input.channels;
  if (featureIndices.length !== expected) {
    const wanted =
      input.kind === 'features'
        ? `${expected} features`
        : `${expected} pixel values (${input.height}×${input.width}×${input.channels})`;
    throw new InputError(
      path,
      `has ${featureIndices.length} feature columns but the model takes ${wanted}`,
    );
  }
  return { columns, labelIndex, idIndex, featureIndices };
}

/** The columns a model with one input per column reads, by name (exactly, else ignoring case). */
function namedColumns(path: string, columns: string[], names: string[]): number[] {
  const indices = names.map((name) => findColumn(columns, name));
  const missing = names.filter((_, j) => indices[j] < 0);
  if (missing.length > 0) {
    throw new InputError(
      path,
      `has no column${missing.length === 1 ? '' : 's'} ${missing.map((n) => excerpt(n)).join(', ')} for the model's input${missing.length === 1 ? '' : 's'} (it reads the columns ${names.map((n) => excerpt(n)).join(', ')} by name); its columns are ${listColumns(columns)}`,
    );
  }
  return indices;
}

function parseNumber(cell: string): number {
  // Number('') and Number(' ') are 0: an empty cell is not a number.
  return cell.trim() === '' ? NaN : Number(cell);
}

interface DataRow {
  row: number;
  record: CsvRecord;
}

/** The header, then the data rows numbered from 1, checking every row's field count. */
async function* csvRows(
  path: string,
  signal?: AbortSignal,
  onBytes?: (chunk: Buffer) => void,
): AsyncGenerator<{ header: string[] } | DataRow[]> {
  let header: string[] | null = null;
  let row = 0;
  for await (const records of readCsvRecords(path, signal, onBytes)) {
    const rows: DataRow[] = [];
    for (const record of records) {
      if (!header) {
        header = record.fields;
        yield { header };
        continue;
      }
      row++;
      if (record.fields.length !== header.length) {
        throw new InputError(
          path,
          `row ${row} (line ${record.line}) has ${record.fields.length} fields but the header has ${header.length}`,
        );
      }
      rows.push({ row, record });
    }
    if (rows.length > 0) yield rows;
  }
  if (!header) throw new InputError(path, 'is empty: expected a header row and data rows');
}

/**
 * A CSV with a header row, one sample per row: numeric feature columns, a label column and
 * optionally an 'id' column. For an image model the features are the pixel values (0..255) in
 * NHWC order, scaled like images; for a features model they are passed as they are.
 */
export async function openCsv(path: string, options: DatasetOptions): Promise<OpenedDataset> {
  const hash = createHash('sha256').update('csv\0');
  let layout: CsvLayout | null = null;
  const labels = new Map<string, { count: number; row: number }>();
  const ids = new Set<string>();
  let rowCount = 0;

  for await (const item of csvRows(path, options.signal, (chunk) => hash.update(chunk))) {
    if ('header' in item) {
      layout = layoutFromHeader(path, item.header, options);
      continue;
    }
    const { columns, labelIndex, idIndex, featureIndices } = layout as CsvLayout;
    for (const { row, record } of item) {
      const fields = record.fields;
      for (const i of featureIndices) {
        if (!Number.isFinite(parseNumber(fields[i]))) {
          throw new InputError(
            path,
            `row ${row}, column ${excerpt(columns[i])}: ${excerpt(fields[i])} is not a number`,
          );
        }
      }
      const label = fields[labelIndex].trim();
      if (label === '') throw new InputError(path, `row ${row}: the label is empty`);
      const seen = labels.get(label);
      if (seen) seen.count++;
      else labels.set(label, { count: 1, row });
      if (idIndex >= 0) {
        const id = fields[idIndex].trim();
        if (id === '' || ids.has(id)) {
          throw new InputError(path, `row ${row}: the id ${excerpt(id)} is empty or not unique`);
        }
        ids.add(id);
      }
      rowCount++;
    }
  }
  const { labelIndex, idIndex, featureIndices } = layout as CsvLayout;
  if (rowCount === 0)
    throw new InputError(path, 'has a header but no data rows: the test set is empty');
  // Only the ids' uniqueness was needed.
  ids.clear();

  const occurrences: LabelOccurrence[] = [...labels].map(([label, seen]) => ({
    label,
    file: path,
    where: `row ${seen.row}`,
  }));
  const classOf = mapLabelsToClasses(occurrences, options, path, {
    mode: 'auto',
    sortedFallback: false,
  });
  const countsPerClass = new Array<number>(options.numClasses).fill(0);
  for (const [label, seen] of labels) countsPerClass[classOf.get(label) as number] += seen.count;

  const input = options.input;
  const scaling: PixelScaling | null = input.kind === 'image' ? (options.scaling ?? '0-1') : null;
  const channels = input.kind === 'image' ? input.channels : 1;
  const sampleSize = featureIndices.length;
  const idOf = (row: DataRow) =>
    idIndex >= 0 ? row.record.fields[idIndex].trim() : `row:${row.row}`;

  async function* batches(batchSize: number, signal?: AbortSignal): AsyncGenerator<Batch> {
    checkBatchSize(batchSize);
    let pending: DataRow[] = [];
    const values = new Float64Array(sampleSize);
    const makeBatch = (rows: DataRow[]): Batch => {
      const x = new Float32Array(rows.length * sampleSize);
      const batchLabels = new Int32Array(rows.length);
      rows.forEach((dataRow, r) => {
        const fields = dataRow.record.fields;
        for (let j = 0; j < sampleSize; j++) values[j] = parseNumber(fields[featureIndices[j]]);
        if (!values.every(Number.isFinite)) {
          throw new InputError(path, `changed since the test set was opened (row ${dataRow.row})`);
        }
        if (scaling) scalePixels(values, scaling, x, r * sampleSize, channels);
        else x.set(values, r * sampleSize);
        const classIndex = classOf.get(fields[labelIndex].trim());
        if (classIndex === undefined) {
          throw new InputError(path, `changed since the test set was opened (row ${dataRow.row})`);
        }
        batchLabels[r] = classIndex;
      });
      return { ids: rows.map(idOf), x, labels: batchLabels, count: rows.length };
    };

    for await (const item of csvRows(path, signal)) {
      if ('header' in item) continue;
      for (const dataRow of item) {
        pending.push(dataRow);
        if (pending.length === batchSize) {
          signal?.throwIfAborted();
          yield makeBatch(pending);
          pending = [];
        }
      }
    }
    signal?.throwIfAborted();
    if (pending.length > 0) yield makeBatch(pending);
  }

  async function thumbnail(id: string, size?: number): Promise<Uint8Array> {
    if (input.kind !== 'image') {
      throw new InputError(path, 'holds plain features, which have no image to show');
    }
    for await (const item of csvRows(path)) {
      if ('header' in item) continue;
      const found = item.find((row) => idOf(row) === id);
      if (!found) continue;
      const data = new Uint8Array(sampleSize);
      featureIndices.forEach((column, j) => {
        const v = parseNumber(found.record.fields[column]);
        data[j] = Math.max(0, Math.min(255, Math.round(v)));
      });
      return encodeThumbnail(
        { width: input.width, height: input.height, channels: input.channels, data },
        size,
      );
    }
    throw new InputError(path, `has no sample ${excerpt(id)}`);
  }

  /** The row's columns as written: the features, then the label (a long row is cut at 512). */
  async function values(id: string): Promise<SampleValue[]> {
    const columns = (layout as CsvLayout).columns;
    for await (const item of csvRows(path)) {
      if ('header' in item) continue;
      const found = item.find((row) => idOf(row) === id);
      if (!found) continue;
      return columns
        .map((column, i) => ({ column, value: found.record.fields[i].trim().slice(0, 200) }))
        .slice(0, 512);
    }
    throw new InputError(path, `has no sample ${excerpt(id)}`);
  }

  return {
    info: {
      path,
      format: 'csv',
      sampleCount: rowCount,
      countsPerClass,
      fingerprint: hash.digest('hex'),
      skipped: [],
      labelColumn: (layout as CsvLayout).columns[labelIndex],
      ...(input.kind === 'features'
        ? { featureColumns: featureIndices.map((i) => (layout as CsvLayout).columns[i]) }
        : {}),
    },
    batches,
    thumbnail,
    values,
  };
}
