import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/calibrators/reference.json, written by scripts/make-calibrator-fixtures.py. */
export interface LibraryReference {
  numClasses: number;
  calibration: { logits: number[][]; labels: number[] };
  evaluation: { logits: number[][]; labels: number[] };
  shownRows: number;
  arms: Record<
    string,
    { library: string; parameters: Record<string, unknown>; probs: number[][]; nll: number }
  >;
  binary: {
    calibration: { logits: number[][]; labels: number[] };
    evaluation: { logits: number[][]; labels: number[] };
    platt: { a: number; b: number; p1: number[] };
    isotonic: { p1: number[] };
  };
  topLabel: {
    confidence: number[];
    correct: number[];
    corpCurveAt: { x: number[]; y: number[] };
    brier: { score: number; mcb: number; dsc: number; unc: number };
    logScore: { score: number; mcb: number; dsc: number; unc: number };
    netcalEce15: number;
    netcalAce15: number;
    netcalAce10: number;
    relplotSmoothEce: [number, number];
  };
}

let cached: LibraryReference | null = null;

export function libraryReference(): LibraryReference {
  cached ??= JSON.parse(
    readFileSync(
      path.join(
        path.dirname(fileURLToPath(import.meta.url)),
        '..',
        '..',
        'fixtures',
        'calibrators',
        'reference.json',
      ),
      'utf8',
    ),
  ) as LibraryReference;
  return cached;
}

/** Largest absolute difference between our n × K probabilities and the library's rows. */
export function maxProbDifference(ours: ArrayLike<number>, theirs: number[][]): number {
  let max = 0;
  theirs.forEach((row, i) =>
    row.forEach((p, k) => {
      max = Math.max(max, Math.abs(ours[i * row.length + k] - p));
    }),
  );
  return max;
}
