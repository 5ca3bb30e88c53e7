import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsvScores } from '../../../src/engine/scores/csv-scores';
import { InputError } from '../../../src/engine/input-error';
import { tempDir } from '../../helpers/temp-dir';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function csv(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('readCsvScores', () => {
  it('reads quoted ids, CRLF line ends and blank lines', async () => {
    const file = await csv(
      'ok.csv',
      'id,label,prediction,confidence,p_0,p_1\r\n"a,1",1,1,0.8,0.2,0.8\r\n\r\nb,0,0,0.6,0.6,0.4\r\n',
    );
    const read = await readCsvScores(file, {});
    expect(read.table.size).toBe(2);
    expect(read.table.ids).toEqual(['a,1', 'b']);
    expect(Array.from(read.table.labels.subarray(0, 2))).toEqual([1, 0]);
    expect(Array.from(read.table.values.subarray(0, 4))).toEqual(
      [0.2, 0.8, 0.6, 0.4].map(Math.fround),
    );
    expect(read).toMatchObject({
      format: 'csv',
      labelColumn: 'label',
      scoreColumns: ['p_0', 'p_1'],
    });
  });

  it.each([
    [
      'sum.csv',
      'label,p_0,p_1\n0,0.5,0.5\n1,0.5,0.4\n',
      /sum\.csv: line 3: the probabilities sum to 0\.9/,
    ],
    [
      'neg.csv',
      'label,p_0,p_1\n0,1.1,-0.1\n',
      /neg\.csv: line 2: the probability of class 1 is negative/,
    ],
    [
      'nan.csv',
      'label,p_0,p_1\n0,0.5,0.5\n0,,1\n',
      /nan\.csv: line 3: the score for class 0 is NaN/,
    ],
    ['text.csv', 'label,p_0,p_1\n0,abc,1\n', /line 2: the score for class 0 is NaN/],
    [
      'label.csv',
      'label,p_0,p_1\n0,0.5,0.5\n0,0.5,0.5\n2,0.5,0.5\n',
      /line 4: the label '2' is not a class index 0\.\.1/,
    ],
    [
      'name.csv',
      'label,cat,dog\ncat,0.5,0.5\nfish,0.5,0.5\n',
      /line 3: the label 'fish' is not one of the 2 classes \(cat, dog\)/,
    ],
    ['short.csv', 'label,p_0,p_1\n0,0.5\n', /line 2: has 2 fields, the header 3/],
    ['empty.csv', '', /empty\.csv: is empty/],
    ['cols.csv', 'a,b\n1,2\n', /cols\.csv: has no label column/],
  ])('refuses %s with one line naming the file and the line', async (name, text, message) => {
    const error = await readCsvScores(await csv(name, text), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('tolerates rounding in probabilities written with 4 decimals', async () => {
    const file = await csv('rounded.csv', 'label,p_0,p_1,p_2\n0,0.3334,0.3333,0.3334\n');
    expect((await readCsvScores(file, {})).table.size).toBe(1);
  });
});
