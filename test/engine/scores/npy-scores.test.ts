import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/engine/input-error';
import { readNpyScores, readNpzScores } from '../../../src/engine/scores/npy-scores';
import { tempDir } from '../../helpers/temp-dir';

const DIR = path.resolve('test/fixtures/scores');

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return (error as Error).message;
}

describe('readNpzScores', () => {
  it('reads a compressed .npz, skipping arrays it does not need', async () => {
    const read = await readNpzScores(path.join(DIR, 'probs.npz'), {});
    expect(read).toMatchObject({ format: 'npz', labelColumn: 'labels', scoreColumns: ['probs'] });
    expect(read.table.size).toBe(240);
    expect(read.table.kind).toBe('probabilities');
  });

  it.each([
    ['nan-probs.npz', /nan-probs\.npz: row 7 \(index 6\): the score for class 1 is NaN/],
    ['label-out-of-range.npz', /row 12 \(index 11\): the label 5 is not a class index 0\.\.2/],
    ['mismatch.npz', /has 239 labels but 240 rows of scores/],
  ])('refuses bad/%s with the row', async (file, message) => {
    expect(await failure(readNpzScores(path.join(DIR, 'bad', file), {}))).toMatch(message);
  });

  it('says which arrays it needs and which it found, and refuses a file that is not a zip', async () => {
    expect(await failure(readNpzScores(path.join(DIR, 'arrays', 'f4.npy'), {}))).toMatch(
      /not a readable \.npz|empty or damaged/,
    );
    const dir = await tempDir();
    const npz = path.join(dir, 'other.npz');
    await copyFile(path.join(DIR, 'probs.npz'), npz);
    expect(await failure(readNpzScores(npz, { classNames: ['a', 'b'] }))).toMatch(
      /has 3 classes but --classes names 2/,
    );
  });
});

describe('readNpyScores', () => {
  it('reads probs.npy with labels.npy beside it, from either file or the folder', async () => {
    for (const given of ['npy', 'npy/probs.npy', 'npy/labels.npy']) {
      const read = await readNpyScores(path.join(DIR, given), {});
      expect(read.files).toEqual([
        path.join(DIR, 'npy/labels.npy'),
        path.join(DIR, 'npy/probs.npy'),
      ]);
      expect(read.table.size).toBe(240);
    }
  });

  it('asks for the partner array when a .npy is alone', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'alone'));
    await copyFile(path.join(DIR, 'npy/probs.npy'), path.join(dir, 'alone', 'probs.npy'));
    expect(await failure(readNpyScores(path.join(dir, 'alone', 'probs.npy'), {}))).toMatch(
      /without its partner: put labels\.npy and probs\.npy/,
    );
  });

  it('names the file whose bytes are wrong', async () => {
    const dir = await tempDir();
    await copyFile(path.join(DIR, 'npy/labels.npy'), path.join(dir, 'labels.npy'));
    await writeFile(path.join(dir, 'probs.npy'), 'not numpy at all');
    expect(await failure(readNpyScores(dir, {}))).toMatch(/probs\.npy: is not a NumPy \.npy array/);
  });
});
