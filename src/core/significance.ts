/**
 * p-values and the Holm–Bonferroni correction behind the audit's flags and verdict.
 *
 * Every test asks the same question of a group of predictions (a confidence bin, the predictions
 * of one class, or all of them): is the number of right predictions consistent with the
 * confidences the model gave? Under calibration the number right is a Poisson-binomial variable
 * (a sum of Bernoulli(conf_i)). Its two-sided p-value comes from:
 * - the exact binomial distribution Binomial(n, mean confidence) when the Poisson-binomial
 *   variance Σ p(1 − p) is below 100: a Poisson-binomial variable is more concentrated than the
 *   binomial with the same mean (Hoeffding 1956), so this p-value is exact for a bin of equal
 *   confidences and conservative otherwise;
 * - the normal approximation with the Poisson-binomial mean, variance and skewness (a one-term
 *   Edgeworth correction, Volkova 1996) and a continuity correction when the variance is 100 or
 *   more (a standard deviation of at least 10 right answers), where it is accurate.
 */

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(logFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  // P(X ≤ k) = I_{1−p}(n − k, k + 1).
  return regularizedBeta(1 - p, n - k, k + 1);
}

/** Complementary error function (Numerical Recipes' erfcc; relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal cumulative distribution Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Sufficient statistics of a group of predictions for its calibration test. */
export interface GroupMoments {
  /** Predictions in the group. */
  count: number;
  /** Right predictions. */
  successes: number;
  /** Σ conf. */
  sumP: number;
  /** Σ conf (1 − conf). */
  sumPQ: number;
  /** Σ conf (1 − conf)(1 − 2 conf). */
  sumPQR: number;
}

export function emptyMoments(): GroupMoments {
  return { count: 0, successes: 0, sumP: 0, sumPQ: 0, sumPQR: 0 };
}

export function addToMoments(m: GroupMoments, conf: number, correct: number): void {
  const pq = conf * (1 - conf);
  m.count += 1;
  m.successes += correct;
  m.sumP += conf;
  m.sumPQ += pq;
  m.sumPQR += pq * (1 - 2 * conf);
}

/** Variance at or above which the (skewness-corrected) normal approximation is used. */
export const NORMAL_APPROXIMATION_VARIANCE = 100;

/**
 * Two-sided p-value of "the group's right answers are what its confidences predict" (see the
 * module comment for the method). 1 for an empty group.
 */
export function calibrationPValue(m: GroupMoments): number {
  const { count: n, successes: x, sumP, sumPQ, sumPQR } = m;
  if (n <= 0) return 1;
  let lower: number;
  let upper: number;
  if (sumPQ >= NORMAL_APPROXIMATION_VARIANCE) {
    const sigma = Math.sqrt(sumPQ);
    const gamma = sumPQR / (sumPQ * sigma);
    // Edgeworth: P(X ≤ k) ≈ Φ(z) − γ/6 (z² − 1) φ(z) at z = (k + ½ − μ)/σ.
    const edgeworth = (z: number): number =>
      Math.min(
        1,
        Math.max(
          0,
          normalCdf(z) - (gamma / 6) * (z * z - 1) * Math.exp(-0.5 * z * z) * 0.3989422804014327,
        ),
      );
    lower = edgeworth((x + 0.5 - sumP) / sigma);
    upper = 1 - edgeworth((x - 0.5 - sumP) / sigma);
  } else {
    const p = Math.min(1, Math.max(0, sumP / n));
    const k = Math.round(x);
    lower = binomialCdf(k, n, p);
    upper = 1 - binomialCdf(k - 1, n, p);
  }
  return Math.min(1, 2 * Math.min(lower, upper));
}

/**
 * Holm–Bonferroni step-down: the adjusted p-values (family-wise error controlled at level α by
 * rejecting those ≤ α) in the input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b] || a - b);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[index]));
    adjusted[index] = running;
  });
  return adjusted;
}
