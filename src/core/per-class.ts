import type { PerClassStats } from './types';

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
