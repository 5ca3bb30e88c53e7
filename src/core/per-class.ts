import { pluralCount, signed } from './number-format';
import { SMALL_CLASS } from './sample-size';
import type { FlaggedClass, PerClassStats } from './types';

/** K×K counts, rows = true label, columns = prediction. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  prediction: ArrayLike<number>,
  numClasses: number,
): number[][] {
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][prediction[i]]++;
  return matrix;
}

/**
 * Per-class counts, recall, mean top-label confidence of the class's samples and its
 * classwise-ECE term (from classwiseCalibrationError or the resampling pass).
 */
export function perClassStats(
  labels: ArrayLike<number>,
  prediction: ArrayLike<number>,
  confidence: ArrayLike<number>,
  numClasses: number,
  classwiseTerms: ArrayLike<number>,
): PerClassStats[] {
  const count = new Float64Array(numClasses);
  const predicted = new Float64Array(numClasses);
  const right = new Float64Array(numClasses);
  const sumConf = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    count[y]++;
    predicted[prediction[i]]++;
    if (prediction[i] === y) right[y]++;
    sumConf[y] += confidence[i];
  }
  return Array.from({ length: numClasses }, (_, k) => {
    const accuracy = count[k] > 0 ? right[k] / count[k] : null;
    const averageConfidence = count[k] > 0 ? sumConf[k] / count[k] : null;
    return {
      classIndex: k,
      count: count[k],
      predictedCount: predicted[k],
      accuracy,
      averageConfidence,
      classwiseEce: classwiseTerms[k],
      overconfidenceGap:
        accuracy === null || averageConfidence === null ? null : averageConfidence - accuracy,
    };
  });
}

/** A gap (mean confidence − recall) this large on a class that is not flagged is named. */
export const NOTABLE_CLASS_GAP = 0.1;

/**
 * The per-class verdict in one line, naming classes with `name`: how many classes are flagged
 * (their predictions significantly overconfident after the Holm correction) or why none is, and
 * the largest gap over NOTABLE_CLASS_GAP on a class that is not flagged, with why — never "no
 * class stands out" beside a class at 41.7% recall and a +34.5-point gap.
 */
export function perClassSummary(
  perClass: readonly PerClassStats[],
  flagged: readonly FlaggedClass[],
  name: (classIndex: number) => string,
): string {
  const parts: string[] = [];
  if (flagged.length > 0) {
    const legacy = flagged[0].predicted === undefined;
    const which = flagged.map((f) => name(f.classIndex)).join(', ');
    parts.push(
      legacy
        ? `${pluralCount(flagged.length, 'class', 'classes')} flagged for standing out in classwise ECE (${which})`
        : `${pluralCount(flagged.length, 'class', 'classes')} flagged: predictions significantly overconfident after correction (${which})`,
    );
  } else if (perClass.some((c) => c.count > 0 && c.count < SMALL_CLASS)) {
    parts.push(`no class flagged; classes under ${SMALL_CLASS} samples cannot be judged`);
  } else {
    parts.push(
      'no class flagged (no class’s predictions significantly overconfident after correction)',
    );
  }
  const flaggedSet = new Set(flagged.map((f) => f.classIndex));
  let largest: PerClassStats | null = null;
  for (const c of perClass) {
    const gap = c.overconfidenceGap;
    if (gap === null || flaggedSet.has(c.classIndex) || !(gap > NOTABLE_CLASS_GAP)) continue;
    if (largest === null || gap > (largest.overconfidenceGap ?? 0)) largest = c;
  }
  if (largest && largest.accuracy !== null && largest.overconfidenceGap !== null) {
    parts.push(
      `largest gap ${name(largest.classIndex)} ${signed(largest.overconfidenceGap * 100, 1)} pts ` +
        `(${(largest.accuracy * 100).toFixed(1)}% recall on ${pluralCount(largest.count, 'sample')}), ` +
        `not flagged: its predictions are not significantly overconfident after the correction`,
    );
  }
  return parts.join('; ');
}
