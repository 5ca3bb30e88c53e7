/**
 * A fixed 12-sample, 3-class data set and the values scikit-learn 1.9.1 / numpy 2.4 give for
 * it. Computed once with Python (probabilities rounded to float32 first, as the app
 * stores them):
 *
 *   P = np.array([...rows below...], dtype=np.float32).astype(np.float64); y = labels
 *   conf, pred = P.max(1), P.argmax(1); correct = pred == y; M = 15
 *   b = np.minimum(np.floor(conf * M).astype(int), M - 1)
 *   ece = sum(abs((conf[b==m] - correct[b==m]).sum()) for m in range(M)) / n     # Guo et al.
 *   mce = max(abs((conf[b==m] - correct[b==m]).mean()) for m in range(M) if (b==m).any())
 *   order = np.lexsort((np.arange(n), conf)); group = floor(arange(n) * 12 / n)  # equal mass
 *   adaptive = sum(abs((conf - correct)[order][group == g].sum()) for g in range(12)) / n
 *   classwise term k = sum over bins of p_k of |Σ (p_k − [y = k])| / n; classwise = mean
 *   nll = -mean(log(clip(P[range(n), y], 1e-7, 1 - 1e-7)))
 *   brier = sklearn.metrics.brier_score_loss(y, P, labels=[0, 1, 2])        # [0, 2] range
 *   auroc = sklearn.metrics.roc_auc_score(correct, conf)
 *   aurc = mean(errors(top k) / k), errors interpolated linearly inside confidence ties
 */
export const REFERENCE_PROBS = [
  [0.7, 0.2, 0.1],
  [0.1, 0.85, 0.05],
  [0.3, 0.3, 0.4],
  [0.05, 0.05, 0.9],
  [0.6, 0.35, 0.05],
  [0.2, 0.5, 0.3],
  [0.96, 0.02, 0.02],
  [0.15, 0.15, 0.7],
  [0.33, 0.34, 0.33],
  [0.1, 0.1, 0.8],
  [0.45, 0.45, 0.1],
  [0.0, 1.0, 0.0],
];
export const REFERENCE_LABELS = [0, 1, 0, 2, 1, 1, 0, 0, 2, 2, 1, 1];

export const REFERENCE = {
  accuracy: 0.5833333333333334,
  averageConfidence: 0.6833333323399226,
  ece: 0.26500000059604645,
  mce: 0.6000000238418579,
  adaptiveEce: 0.3150000025828679,
  classwiseEce: 0.20777777830759683,
  classwiseTerms: [0.25500000175088644, 0.1941666677594185, 0.1741666654124856],
  nll: 0.6366460330976983,
  /** sklearn.metrics.log_loss clips at float64 eps instead of 1e-7: 8e-9 apart here. */
  sklearnLogLoss: 0.6366460247643646,
  brier: 0.38173333462178743,
  misclassificationAuroc: 0.9285714285714286,
  aurc: 0.14822631072631073,
};

export function referencePredictions(): {
  numClasses: number;
  labels: Int32Array;
  probs: Float32Array;
} {
  return {
    numClasses: 3,
    labels: Int32Array.from(REFERENCE_LABELS),
    probs: Float32Array.from(REFERENCE_PROBS.flat()),
  };
}
