import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previewCsv, type CsvPreviewOptions } from '../../../src/engine/data/csv-preview.js';
import { makeTempDir, writeFileDeep } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const iris: CsvPreviewOptions = {
  input: { kind: 'features', size: 3 },
  classNames: ['setosa', 'versicolor', 'virginica'],
  numClasses: 3,
};

const TEXT =
  'id,a,b,species,c\n' +
  'r1,1,2,setosa,3\n' +
  'r2,4,5,virginica,6\n' +
  'r3,7,8,setosa,9\n' +
  'r4,1,1,rose,1\n';

describe('a CSV test set previewed before the audit', () => {
  it('has no obvious label column: it asks for one, and lists the columns and first rows', async () => {
    const file = await writeFileDeep(join(dir, 'flowers.csv'), TEXT);
    const preview = await previewCsv(file, iris);
    expect(preview.columns).toEqual(['id', 'a', 'b', 'species', 'c']);
    expect(preview.rows).toHaveLength(4);
    expect(preview.rows[0]).toEqual(['r1', '1', '2', 'setosa', '3']);
    expect(preview.rowCount).toBe(4);
    expect(preview.labelColumn).toBeNull();
    expect(preview.idColumn).toBe('id');
    // Without a label column every other column counts as a feature: 4, where the model takes 3.
    expect(preview.featureColumns).toEqual(['a', 'b', 'species', 'c']);
    // Only the choice is asked for: the feature count cannot be judged before it.
    expect(preview.problems).toEqual([
      'No column is named label, target, class or y: choose the column that holds the labels.',
    ]);
  });

  it('maps the chosen column to the model classes and names the unknown label', async () => {
    const file = await writeFileDeep(join(dir, 'flowers.csv'), TEXT);
    const preview = await previewCsv(file, { ...iris, labelColumn: 'Species' });
    expect(preview.labelColumn).toBe('species');
    expect(preview.labelGuessed).toBe(false);
    expect(preview.featureColumns).toEqual(['a', 'b', 'c']);
    expect(preview.expectedFeatures).toBe(3);
    expect(preview.mapping).toEqual([
      { label: 'setosa', count: 2, classIndex: 0 },
      { label: 'rose', count: 1, classIndex: null },
      { label: 'virginica', count: 1, classIndex: 2 },
    ]);
    expect(preview.unknownLabels).toEqual(['rose']);
    expect(preview.problems).toHaveLength(1);
    expect(preview.problems[0]).toBe(
      'Label "rose" is not among the model\'s classes (the model\'s classes are "setosa", "versicolor", "virginica").',
    );
  });

  it('is ready when the obvious column maps every label; cells are cut to 40 characters', async () => {
    const long = 'x'.repeat(60);
    const file = await writeFileDeep(
      join(dir, 'ok.csv'),
      `a,b,c,Label,note\n1,2,3,1,${long}\n4,5,6,0,z\n`,
    );
    const preview = await previewCsv(file, {
      input: { kind: 'features', size: 4 },
      classNames: null,
      numClasses: 2,
    });
    expect(preview.labelColumn).toBe('Label');
    expect(preview.labelGuessed).toBe(true);
    expect(preview.problems).toEqual([
      'Row 1, column "note": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" is not a number.',
    ]);
    expect(preview.rows[0][4]).toBe(`${'x'.repeat(40)}…`);
    expect(preview.mapping.map((m) => [m.label, m.classIndex])).toEqual([
      ['0', 0],
      ['1', 1],
    ]);
  });

  it('names a label column that is not there', async () => {
    const file = await writeFileDeep(join(dir, 'flowers.csv'), TEXT);
    const preview = await previewCsv(file, { ...iris, labelColumn: 'kind' });
    expect(preview.labelColumn).toBeNull();
    expect(preview.problems[0]).toBe(
      'There is no column "kind": choose the column that holds the labels.',
    );
  });
});
