import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset, type DatasetOptions } from '../../../src/engine/data/index.js';
import { InputError } from '../../../src/engine/input-error.js';
import { collect, makeTempDir, writeFileDeep } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const features3: DatasetOptions = {
  input: { kind: 'features', size: 3 },
  classNames: ['setosa', 'versicolor', 'virginica'],
  numClasses: 3,
};

async function csv(name: string, text: string): Promise<string> {
  return writeFileDeep(join(dir, name), text);
}

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof InputError))
    throw new Error(`expected an InputError, got ${String(error)}`);
  return error;
}

describe('CSV test sets', () => {
  it('finds the label column by its usual name and maps labels by name', async () => {
    const path = await csv(
      'iris.csv',
      'a,b,Species,c\n1,2,setosa,3\n4.5,-5,Virginica,6e-1\n7,8,"setosa",9\n',
    );
    const ds = await openDataset(path, { ...features3, labelColumn: 'species' });
    expect(ds.info).toMatchObject({
      format: 'csv',
      sampleCount: 3,
      countsPerClass: [2, 0, 1],
      skipped: [],
      // The feature columns fed to the model, in file order, around the label column.
      featureColumns: ['a', 'b', 'c'],
    });
    const [batch] = await collect(ds.batches(10));
    expect(batch.ids).toEqual(['row:1', 'row:2', 'row:3']);
    expect([...batch.labels]).toEqual([0, 2, 0]);
    expect([...batch.x]).toEqual([1, 2, 3, 4.5, -5, 0.6, 7, 8, 9].map(Math.fround));

    const byName = await csv('target.csv', 'x,TARGET,y2,z\n1,versicolor,2,3\n');
    expect((await openDataset(byName, features3)).info.countsPerClass).toEqual([0, 1, 0]);
  });

  it("gives a row's columns as written, by id (a mistake's detail)", async () => {
    const path = await csv('detail.csv', 'id,f1,f2,f3,label\nq1,0.5,1e-3, 7 ,2\nq2,1,1,1,0\n');
    const ds = await openDataset(path, { ...features3, classNames: null });
    expect(await ds.values?.('q1')).toEqual([
      { column: 'id', value: 'q1' },
      { column: 'f1', value: '0.5' },
      { column: 'f2', value: '1e-3' },
      { column: 'f3', value: '7' },
      { column: 'label', value: '2' },
    ]);
    expect((await inputError(ds.values!('q9'))).problem).toMatch(/has no sample "q9"/);
  });

  it('uses integer labels as class indices and an id column as ids', async () => {
    const path = await csv('ids.csv', 'id,f1,f2,f3,label\nq1,0,0,0,2\nq2,1,1,1,0\n');
    const ds = await openDataset(path, { ...features3, classNames: null });
    const [batch] = await collect(ds.batches(5));
    expect(batch.ids).toEqual(['q1', 'q2']);
    expect([...batch.labels]).toEqual([2, 0]);
    expect(batch.x.length).toBe(6);
  });

  it('keeps commas inside quoted fields', async () => {
    const path = await csv(
      'quoted.csv',
      'label,"f,1",f2,f3\n"setosa","1","2","3"\n"versicolor",4,"5",6\n',
    );
    const [batch] = await collect((await openDataset(path, features3)).batches(5));
    expect([...batch.x]).toEqual([1, 2, 3, 4, 5, 6]);
    const text = await csv('text-id.csv', 'id,label,a,b,c\n"x, y",setosa,1,2,3\n');
    expect((await collect((await openDataset(text, features3)).batches(1)))[0].ids).toEqual([
      'x, y',
    ]);
  });

  it('lists the columns when there is no label column', async () => {
    const path = await csv('nolabel.csv', 'a,b,c,kind\n1,2,3,setosa\n');
    const error = await inputError(openDataset(path, features3));
    expect(error.file).toBe(path);
    expect(error.problem).toMatch(/has no label column.*its columns are "a", "b", "c", "kind"/);
    expect((await openDataset(path, { ...features3, labelColumn: 'kind' })).info.sampleCount).toBe(
      1,
    );
    const missing = await inputError(openDataset(path, { ...features3, labelColumn: 'nope' }));
    expect(missing.problem).toMatch(/has no column "nope"; its columns are "a", "b", "c", "kind"/);
  });

  it('names the row and column of a non-numeric cell', async () => {
    const path = await csv('bad.csv', 'label,a,b,c\nsetosa,1,2,3\nsetosa,1,two,3\n');
    const error = await inputError(openDataset(path, features3));
    expect(error.message).toBe(`${path}: row 2, column "b": "two" is not a number`);
    const empty = await csv('empty-cell.csv', 'label,a,b,c\nsetosa,1,,3\n');
    expect((await inputError(openDataset(empty, features3))).problem).toMatch(
      /row 1, column "b": "" is not a number/,
    );
  });

  it('says both numbers when the feature count is wrong', async () => {
    const path = await csv('four.csv', 'label,a,b,c,d\nsetosa,1,2,3,4\n');
    const error = await inputError(openDataset(path, features3));
    expect(error.problem).toBe('has 4 feature columns but the model takes 3 features');
  });

  it('refuses rows of the wrong length, unknown labels and empty sets', async () => {
    const short = await csv('short.csv', 'label,a,b,c\nsetosa,1,2\n');
    expect((await inputError(openDataset(short, features3))).problem).toMatch(
      /row 1 .*has 3 fields but the header has 4/,
    );
    const unknown = await csv('unknown.csv', 'label,a,b,c\nsetosa,1,2,3\nrose,1,2,3\n');
    expect((await inputError(openDataset(unknown, features3))).problem).toMatch(
      /^row 2: label "rose" is not one of the model's classes \(the model's classes are "setosa", "versicolor", "virginica"\)/,
    );
    const tooMany = await csv('many.csv', 'label,a,b,c\n0,1,2,3\n1,1,2,3\n2,1,2,3\n3,1,2,3\n');
    expect(
      (await inputError(openDataset(tooMany, { ...features3, classNames: null }))).problem,
    ).toBe(
      'label "3" is not among the model\'s classes (the model has 3 classes, numbered 0 to 2), while the other 3 are',
    );
    // Mixed label types (0/1 and benign/malignant) are named, both kinds.
    const mixed = await csv(
      'mixed.csv',
      'label,a,b,c\n0,1,2,3\n1,1,2,3\nbenign,1,2,3\nmalignant,1,2,3\n',
    );
    expect(
      (await inputError(openDataset(mixed, { ...features3, numClasses: 2, classNames: null })))
        .problem,
    ).toBe(
      'labels "benign", "malignant" are not among the model\'s classes (the model has 2 classes, numbered 0 to 1), while the other 2 are; the labels mix class numbers ("0", "1") and names ("benign", "malignant"): use one kind',
    );
    const mixedNamed = await csv('mixed-named.csv', 'label,a,b,c\n0,1,2,3\nsetosa,1,2,3\n');
    expect((await inputError(openDataset(mixedNamed, features3))).problem).toMatch(
      /^row 1: label "0" is not one of the model's classes \(.*\); the labels mix class numbers \("0"\) and names \("setosa"\): use one kind$/,
    );
    const headerOnly = await csv('header.csv', 'label,a,b,c\n');
    expect((await inputError(openDataset(headerOnly, features3))).problem).toMatch(/empty/);
    const nothing = await csv('nothing.csv', '');
    expect((await inputError(openDataset(nothing, features3))).problem).toMatch(/empty/);
  });

  it('scales pixel columns for an image model and draws them as thumbnails', async () => {
    const header = ['label', ...Array.from({ length: 4 }, (_, i) => `pixel${i}`)].join(',');
    const path = await csv('pixels.csv', `${header}\n1,0,255,51,102\n0,255,255,255,255\n`);
    const ds = await openDataset(path, {
      input: { kind: 'image', height: 2, width: 2, channels: 1 },
      classNames: null,
      numClasses: 2,
      scaling: '-1-1',
    });
    const [batch] = await collect(ds.batches(8));
    expect([...batch.x.subarray(0, 4)]).toEqual([-1, 1, -0.6, -0.2].map(Math.fround));
    const png = PNG.sync.read(Buffer.from(await ds.thumbnail('row:1', 4)));
    expect([png.width, png.height, png.color]).toEqual([4, 4, false]);
    expect([png.data[0], png.data[8]]).toEqual([0, 255]);
    await expect(ds.thumbnail('row:3')).rejects.toThrow(/has no sample "row:3"/);
  });

  it('streams batches and stops when aborted', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i % 3},${i},${i},${i}`);
    const path = await csv('long.csv', `label,a,b,c\n${rows.join('\n')}\n`);
    const ds = await openDataset(path, { ...features3, classNames: null });
    expect(ds.info.countsPerClass).toEqual([334, 333, 333]);
    const batches = await collect(ds.batches(300));
    expect(batches.map((b) => b.count)).toEqual([300, 300, 300, 100]);
    expect(batches[3].ids[99]).toBe('row:1000');
    expect(batches[3].x[99 * 3]).toBe(999);

    const controller = new AbortController();
    const iterator = ds.batches(10, controller.signal);
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('has a fingerprint of the file content', async () => {
    const a = await csv('a.csv', 'label,a,b,c\nsetosa,1,2,3\n');
    const b = await csv('sub/a.csv', 'label,a,b,c\nsetosa,1,2,3\n');
    const c = await csv('c.csv', 'label,a,b,c\nsetosa,1,2,4\n');
    const [fa, fb, fc] = await Promise.all(
      [a, b, c].map(async (p) => (await openDataset(p, features3)).info.fingerprint),
    );
    expect(fa).toBe(fb);
    expect(fc).not.toBe(fa);
  });
});
