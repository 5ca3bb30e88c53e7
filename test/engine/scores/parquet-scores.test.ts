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
