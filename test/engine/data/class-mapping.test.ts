import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/engine/input-error.js';
import {
  mapLabelsToClasses,
  parseClassIndex,
  type LabelOccurrence,
} from '../../../src/engine/data/class-mapping.js';

const occ = (...labels: string[]): LabelOccurrence[] =>
  labels.map((label) => ({ label, file: `/data/${label}` }));
const auto = { mode: 'auto', sortedFallback: false } as const;
const folders = { mode: 'auto', sortedFallback: true } as const;

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseClassIndex', () => {
  it('accepts integers, also written as floats', () => {
    expect(parseClassIndex('3')).toBe(3);
    expect(parseClassIndex(' 12 ')).toBe(12);
    expect(parseClassIndex('4.0')).toBe(4);
    expect(parseClassIndex('4.5')).toBeNull();
    expect(parseClassIndex('-1')).toBeNull();
    expect(parseClassIndex('cat')).toBeNull();
  });
});

describe('mapLabelsToClasses', () => {
  const model = { classNames: ['cat', 'Dog', 'bird'], numClasses: 3 };

  it('maps by name: exact, then case-insensitive and trimmed', () => {
    const map = mapLabelsToClasses(occ('bird', 'dog', ' CAT '), model, '/data', auto);
    expect(Object.fromEntries(map)).toEqual({ bird: 2, dog: 1, ' CAT ': 0 });
  });

  it('maps integer labels by index when the model has no names', () => {
    const map = mapLabelsToClasses(occ('2', '0'), { classNames: null, numClasses: 3 }, '/d', auto);
    expect(Object.fromEntries(map)).toEqual({ '2': 2, '0': 0 });
  });

  it('maps integer labels by index when none of them is a class name', () => {
    const map = mapLabelsToClasses(occ('1', '2'), model, '/d', auto);
    expect(Object.fromEntries(map)).toEqual({ '1': 1, '2': 2 });
  });

  it('names the unknown label, its file and the model classes', () => {
    const error = thrown(() => mapLabelsToClasses(occ('cat', 'horse'), model, '/data', auto));
    expect(error.file).toBe('/data/horse');
    expect(error.problem).toBe(
      `label "horse" is not one of the model's classes (the model's classes are "cat", "Dog", "bird")`,
    );
  });

  it('says where in the file an unknown label is', () => {
    const labels = [{ label: 'x', file: 'test.csv', where: 'row 7' }];
    expect(thrown(() => mapLabelsToClasses(labels, model, 'test.csv', auto)).message).toMatch(
      /^test\.csv: row 7: label "x" is not one of the model's classes/,
    );
  });

  it('refuses class numbers the model does not have', () => {
    const error = thrown(() =>
      mapLabelsToClasses(occ('0', '3'), { classNames: null, numClasses: 3 }, '/d', auto),
    );
    expect(error.problem).toMatch(/label "3" .*numbered 0 to 2/);
  });

  it('names the labels that are no class of the model rather than counting them', () => {
    const labels = occ(...Array.from({ length: 12 }, (_, i) => String(i)));
    const error = thrown(() =>
      mapLabelsToClasses(labels, { classNames: null, numClasses: 10 }, '/d', auto),
    );
    expect(error.problem).toBe(
      'labels "10", "11" are not among the model\'s classes (the model has 10 classes, numbered 0 to 9), while the other 10 are',
    );
    // A stray class folder "42" beside the model's ten named classes is named.
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const stray = thrown(() =>
      mapLabelsToClasses(occ(...names, '42'), { classNames: names, numClasses: 10 }, '/d', auto),
    );
    expect(stray.problem).toMatch(
      /^label "42" is not among the model's classes \(the model's classes are "c0"/,
    );
  });

  it('reports a class-count mismatch when no label names a class', () => {
    const labels = occ('a', 'b', 'c');
    const error = thrown(() =>
      mapLabelsToClasses(labels, { classNames: ['x', 'y'], numClasses: 2 }, '/d', auto),
    );
    expect(error.problem).toMatch(/^class-count mismatch: the test set has 3 classes, the model 2/);
  });

  it('numbers folder names in sorted order when the model has no names', () => {
    const map = mapLabelsToClasses(
      occ('zebra', 'Ant', 'bee'),
      { classNames: null, numClasses: 3 },
      '/d',
      folders,
    );
    expect(Object.fromEntries(map)).toEqual({ Ant: 0, bee: 1, zebra: 2 });
    expect(() =>
      mapLabelsToClasses(occ('zebra'), { classNames: null, numClasses: 3 }, '/d', auto),
    ).toThrow(InputError);
  });

  it('reads labels as indices in index mode, whatever the names', () => {
    const names = { classNames: ['1', '0'], numClasses: 2 };
    const map = mapLabelsToClasses(occ('0', '1'), names, '/d', {
      mode: 'index',
      sortedFallback: false,
    });
    expect(Object.fromEntries(map)).toEqual({ '0': 0, '1': 1 });
  });

  it('refuses an empty test set', () => {
    expect(() => mapLabelsToClasses([], model, '/d', auto)).toThrow(/empty/);
  });
});
