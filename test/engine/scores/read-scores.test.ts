import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  detectScoreFile,
  hidden,
  npyPairIn,
  resolveScorePath,
} from '../../../src/engine/scores/read-scores';
import { tempDir } from '../../helpers/temp-dir';

const DIR = path.resolve('test/fixtures/scores');
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(path.join(dir, 'preds.csv'), 'id,label,prediction,confidence,p_0,p_1\n');
  await writeFile(path.join(dir, 'named.csv'), 'label,cat,dog\ncat,0.5,0.5\n');
  await writeFile(path.join(dir, 'tabular.csv'), 'f1,f2,label\n1,2,a\n');
  await writeFile(path.join(dir, 'model.json'), '{"modelTopology": {}}');
  await copyFile(path.join(DIR, 'probs.npz'), path.join(dir, 'renamed.zip'));
  await mkdir(path.join(dir, 'images', 'cat'), { recursive: true });
});

describe('detectScoreFile', () => {
  it.each([
    ['scores.parquet', 'parquet'],
    ['parts', 'parquet'],
    ['logits.npz', 'npz'],
    ['npy', 'npy'],
    ['npy/probs.npy', 'npy'],
    ['arrays/f4.npy', 'npy'],
    ['logits.csv', 'csv'],
  ])('tells %s is %s', async (file, format) => {
    expect(await detectScoreFile(path.join(DIR, file))).toBe(format);
  });

  it('takes a CSV only with a label and p_k / logit_k columns, unless asked for a score file', async () => {
    expect(await detectScoreFile(path.join(dir, 'preds.csv'))).toBe('csv');
    expect(await detectScoreFile(path.join(dir, 'named.csv'))).toBeNull();
    expect(await detectScoreFile(path.join(dir, 'named.csv'), true)).toBe('csv');
    expect(await detectScoreFile(path.join(dir, 'tabular.csv'))).toBeNull();
  });

  it('says null for models, image folders, zips that are not .npz and missing paths', async () => {
    expect(await detectScoreFile(path.join(dir, 'model.json'))).toBeNull();
    expect(await detectScoreFile(path.join(dir, 'images'))).toBeNull();
    expect(await detectScoreFile(path.join(dir, 'renamed.zip'))).toBeNull();
    expect(await detectScoreFile(path.join(dir, 'nothing-here'))).toBeNull();
  });
});

describe('npyPairIn and hidden', () => {
  it('finds labels.npy with probs.npy or logits.npy (logits first)', async () => {
    expect(await npyPairIn(path.join(DIR, 'npy'))).toEqual({
      labels: path.join(DIR, 'npy', 'labels.npy'),
      scores: path.join(DIR, 'npy', 'probs.npy'),
      kind: 'probabilities',
    });
    const both = path.join(dir, 'both');
    await mkdir(both);
    for (const name of ['labels', 'probs', 'logits'])
      await writeFile(path.join(both, `${name}.npy`), '');
    expect((await npyPairIn(both))?.kind).toBe('logits');
    expect(await npyPairIn(path.join(DIR, 'parts'))).toBeNull();
  });

  it('treats _SUCCESS and dot files as bookkeeping', () => {
    expect(['_SUCCESS', '.part-0.crc', 'part-0.parquet'].map(hidden)).toEqual([true, true, false]);
  });
});

describe('resolveScorePath', () => {
  it('takes a folder holding one file (a browser upload) as that file', async () => {
    const upload = path.join(dir, 'upload');
    await mkdir(upload);
    await copyFile(path.join(DIR, 'logits.npz'), path.join(upload, 'logits.npz'));
    await writeFile(path.join(upload, '.DS_Store'), '');
    expect(await resolveScorePath(upload)).toBe(path.join(upload, 'logits.npz'));
    expect(await detectScoreFile(upload)).toBe('npz');
    expect(await resolveScorePath(path.join(DIR, 'parts'))).toBe(path.join(DIR, 'parts'));
    expect(await resolveScorePath(path.join(DIR, 'named.csv'))).toBe(path.join(DIR, 'named.csv'));
  });
});
