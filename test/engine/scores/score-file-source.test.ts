import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitTemperature } from '../../../src/core';
import { runAudit } from '../../../src/engine/audit';
import {
  logitsOrLogProbs,
  scoreFileSource,
  softmaxRows,
} from '../../../src/engine/scores/score-file-source';

const DIR = path.resolve('test/fixtures/scores');
const expected = JSON.parse(await readFile(path.join(DIR, 'expected.json'), 'utf8'));

type Expected = typeof expected.fromLogits;

/** Each fixture, what it holds, and the numbers numpy / scikit-learn computed on it. */
const CASES: [string, string, 'logits' | 'probabilities', string[] | undefined][] = [
  ['logits.npz', 'npz', 'logits', undefined],
  ['probs.npz', 'npz', 'probabilities', undefined],
  ['npy', 'npy', 'probabilities', undefined],
  ['npy/probs.npy', 'npy', 'probabilities', undefined],
  ['npy-fortran/labels.npy', 'npy', 'probabilities', undefined],
  ['scores.parquet', 'parquet', 'probabilities', undefined],
  ['parts', 'parquet', 'logits', undefined],
  ['list-probs.parquet', 'parquet', 'probabilities', undefined],
  ['list-logits.parquet', 'parquet', 'logits', expected.classNames],
  ['named.csv', 'csv', 'probabilities', undefined],
  ['logits.csv', 'csv', 'logits', expected.classNames],
];

describe('scoreFileSource', () => {
  it.each(CASES)('reads %s (%s, %s)', async (file, format, kind, classNames) => {
    const scored = await scoreFileSource({ scoresPath: path.join(DIR, file), classNames }).read({});
    const want: Expected = kind === 'logits' ? expected.fromLogits : expected.fromProbabilities;
    expect(scored.scores).toMatchObject({ format, output: kind, numClasses: 3 });
    expect(scored.model).toBeNull();
    expect(scored.backend.name).toBe('none');
    expect(scored.labels).toHaveLength(expected.n);
    expect(scored.dataset).toMatchObject({
      format: 'scores',
      sampleCount: expected.n,
      skipped: [],
    });
    expect(scored.dataset.countsPerClass).toEqual(want.countsPerClass);
    // Temperature scaling from the logits, or from log-probabilities, as scipy fits it.
    expect(scored.logits === null).toBe(kind === 'probabilities');
    const { temperature } = fitTemperature(logitsOrLogProbs(scored), scored.labels, 3);
    expect(temperature).toBeCloseTo(want.temperature, 3);
  });

  it.each(CASES)(
    'audits %s with the metrics numpy and scikit-learn compute',
    async (file, _f, kind, classNames) => {
      const { document } = await runAudit({
        scoresPath: path.join(DIR, file),
        classNames,
        bootstrapResamples: 0,
      });
      const want: Expected = kind === 'logits' ? expected.fromLogits : expected.fromProbabilities;
      const m = document.metrics;
      expect(m.accuracy.value).toBeCloseTo(want.accuracy, 12);
      expect(m.nll.value).toBeCloseTo(want.nll, 5);
      expect(m.nll.value).toBeCloseTo(want.nllSklearn, 5);
      expect(m.brier.value).toBeCloseTo(want.brier, 5);
      expect(m.ece.value).toBeCloseTo(want.ece, 5);
      expect(m.averageConfidence.value).toBeCloseTo(want.averageConfidence, 5);
      expect(m.misclassificationAuroc.value).toBeCloseTo(want.misclassificationAuroc, 5);
      expect(document.model).toBeNull();
      expect(document.scores?.path).toBe(path.join(DIR, file));
      expect(document.provenance).toMatchObject({
        backend: 'none',
        scaling: null,
        outputKind: kind,
      });
    },
  );

  it('names classes from class-named columns or --classes, else numbers them', async () => {
    const named = await scoreFileSource({ scoresPath: path.join(DIR, 'named.csv') }).read({});
    expect(named.classNames).toEqual(['cat', 'dog', 'bird']);
    expect(named.ids?.slice(0, 2)).toEqual(['s0000', 's0001']);
    const numbered = await scoreFileSource({ scoresPath: path.join(DIR, 'logits.npz') }).read({});
    expect(numbered.classNames).toEqual(['0', '1', '2']);
    expect(numbered.ids).toBeNull();
    const { samples } = await runAudit({
      scoresPath: path.join(DIR, 'logits.npz'),
      bootstrapResamples: 0,
    });
    expect(samples.ids.slice(0, 2)).toEqual(['row:1', 'row:2']);
    expect(samples.ids).toHaveLength(expected.n);
  });

  it('fingerprints the labels as the test set and the scores as the model', async () => {
    const read = (file: string) => scoreFileSource({ scoresPath: path.join(DIR, file) }).read({});
    const [npz, npy, parquet, parts] = await Promise.all(
      ['probs.npz', 'npy', 'scores.parquet', 'parts'].map(read),
    );
    // Same labels (no ids): same test set, whichever the format.
    expect(npy.dataset.fingerprint).toBe(npz.dataset.fingerprint);
    expect(parts.dataset.fingerprint).toBe(npz.dataset.fingerprint);
    // scores.parquet has ids: another fingerprint.
    expect(parquet.dataset.fingerprint).not.toBe(npz.dataset.fingerprint);
    expect(npy.scores?.fingerprint).toBe(npz.scores?.fingerprint);
    expect(parts.scores?.fingerprint).not.toBe(npz.scores?.fingerprint);
  });
});

describe('softmaxRows and logitsOrLogProbs', () => {
  it('softmaxes logits and takes clipped log-probabilities for probabilities', () => {
    expect(Array.from(softmaxRows(new Float32Array([0, Math.log(3)]), 1, 2))).toEqual([0.25, 0.75]);
    const probs = new Float32Array([1, 0]);
    const logProbs = logitsOrLogProbs({ logits: null, probs });
    expect(logProbs[0]).toBe(0);
    expect(logProbs[1]).toBeCloseTo(Math.log(1e-7), 5);
    const logits = new Float32Array([2, 3]);
    expect(logitsOrLogProbs({ logits, probs })).toBe(logits);
  });
});
