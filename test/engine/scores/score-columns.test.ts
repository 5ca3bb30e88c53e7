import { describe, expect, it } from 'vitest';
import { resolveScoreColumns } from '../../../src/engine/scores/score-columns';

describe('resolveScoreColumns', () => {
  it("reads this project's --predictions output: label + p_0..p_{K-1}, prediction and confidence ignored", () => {
    expect(
      resolveScoreColumns(['id', 'label', 'prediction', 'confidence', 'p_0', 'p_1', 'p_2']),
    ).toEqual({
      label: 'label',
      id: 'id',
      scores: ['p_0', 'p_1', 'p_2'],
      kind: 'probabilities',
      classNames: null,
    });
  });

  it('orders indexed columns by their number and prefers logits to probabilities', () => {
    const columns = ['y', 'logit_10', ...Array.from({ length: 10 }, (_, k) => `logit_${k}`)];
    const resolved = resolveScoreColumns([...columns, 'p_0', 'p_1']);
    expect(resolved).toMatchObject({ label: 'y', kind: 'logits' });
    expect(typeof resolved !== 'string' && resolved.scores[10]).toBe('logit_10');
  });

  it('takes class-named columns, with or without --classes, and prefixed names with it', () => {
    expect(resolveScoreColumns(['cat', 'dog', 'target'])).toMatchObject({
      label: 'target',
      scores: ['cat', 'dog'],
      classNames: ['cat', 'dog'],
      kind: 'probabilities',
    });
    expect(
      resolveScoreColumns(['logit_dog', 'logit_cat', 'class'], { classNames: ['cat', 'dog'] }),
    ).toMatchObject({ scores: ['logit_cat', 'logit_dog'], kind: 'logits' });
    expect(
      resolveScoreColumns(['label', 'p_0', 'p_1'], { classNames: ['no', 'yes'] }),
    ).toMatchObject({ scores: ['p_0', 'p_1'], classNames: ['no', 'yes'] });
  });

  it('takes one list column of scores (Parquet): logits or probabilities by its name, else the only one', () => {
    expect(resolveScoreColumns(['id', 'label', 'probs'], { listColumns: ['probs'] })).toEqual({
      label: 'label',
      id: 'id',
      scores: ['probs'],
      kind: 'probabilities',
      classNames: null,
      list: true,
    });
    expect(
      resolveScoreColumns(['y', 'probs', 'logits'], { listColumns: ['probs', 'logits'] }),
    ).toMatchObject({ scores: ['logits'], kind: 'logits', list: true });
    expect(resolveScoreColumns(['label', 'output'], { listColumns: ['output'] })).toMatchObject({
      scores: ['output'],
      kind: 'probabilities',
    });
    // Indexed columns win over a list; two unnamed lists are not guessed between.
    expect(
      resolveScoreColumns(['label', 'p_0', 'p_1', 'probs'], { listColumns: ['probs'] }),
    ).toMatchObject({ scores: ['p_0', 'p_1'] });
    const two = resolveScoreColumns(['label', 'a', 'b'], { listColumns: ['a', 'b'] });
    expect(two).toMatchObject({ scores: ['a', 'b'] });
    expect((two as { list?: boolean }).list).toBeUndefined();
  });

  it('uses --label-column, exactly or ignoring case', () => {
    expect(resolveScoreColumns(['Truth', 'p_0', 'p_1'], { labelColumn: 'truth' })).toMatchObject({
      label: 'Truth',
    });
  });

  it.each([
    [['p_0', 'p_1'], {}, /no label column/],
    [['label', 'p_0', 'p_1'], { labelColumn: 'gold' }, /no column 'gold'/],
    [['label', 'p_0', 'p_2'], {}, /none for class 1/],
    [['label', 'p_0'], {}, /single score column/],
    [['label', 'p_0', 'prob_0'], {}, /two columns for class 0/],
    [['label', 'score'], {}, /no score columns/],
    [['label', 'p_0', 'p_1', 'p_2'], { classNames: ['a', 'b'] }, /3 score columns .* 2 classes/],
    [['label', 'a', 'c'], { classNames: ['a', 'b'] }, /no score column for class 'b'/],
  ])('explains why %j is not a score table', (columns, options, message) => {
    expect(resolveScoreColumns(columns, options)).toMatch(message);
  });
});
