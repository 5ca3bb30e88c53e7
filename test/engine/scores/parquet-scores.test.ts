import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/engine/input-error';
import { readParquetScores } from '../../../src/engine/scores/parquet-scores';
import { tempDir } from '../../helpers/temp-dir';

const DIR = path.resolve('test/fixtures/scores');

describe('readParquetScores', () => {
  it('reads a file row group by row group, with its ids', async () => {
    const read = await readParquetScores(path.join(DIR, 'scores.parquet'), {});
    expect(read.table.size).toBe(240);
    expect(read.table.ids?.slice(0, 2)).toEqual(['s0000', 's0001']);
    expect(read.table.ids?.[239]).toBe('s0239');
    expect(read).toMatchObject({ labelColumn: 'label', scoreColumns: ['p_0', 'p_1', 'p_2'] });
  });

  it('reads a Spark-style folder of part files in order, skipping _SUCCESS and .crc files', async () => {
    const read = await readParquetScores(path.join(DIR, 'parts'), {});
    expect(read.files.map((f) => path.basename(f))).toEqual([
      'part-00000-7c1f.c000.snappy.parquet',
      'part-00001-7c1f.c000.snappy.parquet',
      'part-00002-7c1f.c000.snappy.parquet',
    ]);
    expect(read.table.size).toBe(240);
    expect(read.table.kind).toBe('logits');
  });

  it('reads the scores from one list<float> column, as pandas, pyarrow and Spark write arrays', async () => {
    const probs = await readParquetScores(path.join(DIR, 'list-probs.parquet'), {});
    const columns = await readParquetScores(path.join(DIR, 'scores.parquet'), {});
    expect(probs).toMatchObject({ labelColumn: 'label', scoreColumns: ['probs'] });
    expect(probs.table.numClasses).toBe(3);
    expect(probs.table.kind).toBe('probabilities');
    expect(probs.table.ids?.slice(0, 2)).toEqual(['s0000', 's0001']);
    // The same float32 values as the p_0..p_2 columns of scores.parquet, row for row.
    expect(probs.table.values.subarray(0, 240 * 3)).toEqual(
      columns.table.values.subarray(0, 240 * 3),
    );
    expect(probs.table.labels.subarray(0, 240)).toEqual(columns.table.labels.subarray(0, 240));
    const logits = await readParquetScores(path.join(DIR, 'list-logits.parquet'), {});
    expect(logits).toMatchObject({ labelColumn: 'target', scoreColumns: ['logits'] });
    expect(logits.table.kind).toBe('logits');
    expect(logits.table.size).toBe(240);
  });

  it('names the row whose list is not one score per class, and a --classes of another length', async () => {
    await expect(
      readParquetScores(path.join(DIR, 'bad', 'ragged-list.parquet'), {}),
    ).rejects.toThrow(
      /ragged-list\.parquet: row 24 \(index 23\): the 'probs' list has 2 values, not 3/,
    );
    await expect(
      readParquetScores(path.join(DIR, 'list-probs.parquet'), { classNames: ['a', 'b'] }),
    ).rejects.toThrow(/has 3 scores per row in its 'probs' list but --classes names 2 classes/);
  });

  it('names the file and row of a row whose probabilities do not sum to 1', async () => {
    const error = await readParquetScores(path.join(DIR, 'bad', 'sum.parquet'), {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /sum\.parquet: row 20 \(index 19\): the probabilities sum to 0\.9/,
    );
  });

  it('refuses a damaged file and an empty folder in one line', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'empty'));
    await writeFile(path.join(dir, 'empty', '_SUCCESS'), '');
    await expect(readParquetScores(path.join(dir, 'empty'), {})).rejects.toThrow(
      /holds no \.parquet part files/,
    );
    await writeFile(path.join(dir, 'broken.parquet'), 'PAR1 but nothing else');
    await expect(readParquetScores(path.join(dir, 'broken.parquet'), {})).rejects.toThrow(
      /broken\.parquet: is not a readable Parquet file/,
    );
  });

  it('refuses a wrong --label-column with the columns it has', async () => {
    await expect(
      readParquetScores(path.join(DIR, 'scores.parquet'), { labelColumn: 'gold' }),
    ).rejects.toThrow(/no column 'gold' \(columns: id, label, p_0, p_1, p_2\)/);
  });
});
