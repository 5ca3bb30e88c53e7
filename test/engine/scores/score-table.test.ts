import { describe, expect, it } from 'vitest';
import { ScoreTable, sumTolerance } from '../../../src/engine/scores/score-table';

function table(rows: number[][], kind: 'probabilities' | 'logits' = 'probabilities') {
  const t = new ScoreTable(
    rows[0].length,
    kind,
    ['a', 'b', 'c'].slice(0, rows[0].length),
    false,
    1,
  );
  for (const row of rows) {
    t.reserve(1);
    t.values.set(row, t.size * t.numClasses);
    t.size++;
  }
  return t;
}

describe('ScoreTable', () => {
  it('grows without losing rows', () => {
    const t = table([
      [0.5, 0.5],
      [0.25, 0.75],
      [1, 0],
    ]);
    expect(Array.from(t.values.subarray(0, 6))).toEqual([0.5, 0.5, 0.25, 0.75, 1, 0]);
    expect(t.checkRows(0, 3)).toBeNull();
  });

  it('maps labels given as names, indices, integral floats, bigints and index strings', () => {
    const t = new ScoreTable(3, 'probabilities', ['cat', 'dog', 'bird'], false);
    expect(['dog', ' bird ', 2, 1n, '0', 1.0].map((v) => t.classIndex(v))).toEqual([
      1, 2, 2, 1, 0, 1,
    ]);
    expect(['fish', 3, -1, 1.5, '', null, undefined].map((v) => t.classIndex(v))).toEqual([
      -1, -1, -1, -1, -1, -1, -1,
    ]);
  });

  it('finds the first row that is NaN, negative or does not sum to 1, with the class', () => {
    expect(
      table([
        [0.5, 0.5],
        [NaN, 1],
      ]).checkRows(0, 2),
    ).toEqual({
      index: 1,
      problem: expect.stringMatching(/class 0 is NaN/),
    });
    expect(table([[1.2, -0.2]]).checkRows(0, 1)?.problem).toMatch(/class 1 is negative/);
    expect(
      table([
        [0.5, 0.5],
        [0.6, 0.3],
      ]).checkRows(0, 2),
    ).toEqual({
      index: 1,
      problem: expect.stringMatching(/sum to 0\.9\d*, not 1.*logit_0\.\.logit_1/),
    });
    expect(table([[0.5, 0.5 + sumTolerance(2) / 2]]).checkRows(0, 1)).toBeNull();
  });

  it('takes any finite logits but not infinite ones', () => {
    expect(table([[-30, 12, 4]], 'logits').checkRows(0, 1)).toBeNull();
    expect(table([[-Infinity, 1, 2]], 'logits').checkRows(0, 1)?.problem).toMatch(/-infinite/);
  });
});
