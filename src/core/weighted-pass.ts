/**
 * Every metric of a weighted sample, fast enough to run once per bootstrap resample.
 *
 * The samples are sorted once by confidence and every per-sample array is permuted into that
 * order. A resample is then a vector of multinomial counts over the sorted positions, and the
 * metrics of the weighted sample equal those of the resampled data set (up to the float32
 * rounding of per-sample NLL and Brier, below 1e-7 relative):
 *  - positions with count 0 are dropped first (about 37% of them), so the pass and the dense
 *    dot products below only visit samples that were drawn;
 *  - equal-width bins and smooth-ECE grid cells are contiguous runs ("segments") of the sorted
 *    order, summed in registers; a segment's residual mass is split between its two grid nodes
 *    from Σ w r and Σ w r c, because the split fraction is linear in c;
 *  - equal-mass groups follow the cumulative weight (copies of one sample may straddle groups);
 *  - AUROC counts (right, wrong) pairs from the wrong side: each wrong copy pairs with the
 *    right weight below it. AURC = (1/n) Σ_k errors(top k)/k = (1/n) Σ over wrong copies at
 *    descending rank r of (H[n] − H[r−1]); a sample of weight w ranked after a higher ones adds
 *    w·H[n] − (CH[a+w] − CH[a]) if wrong, with CH the cumulative sums of the harmonic numbers.
 *    Runs of equal confidence (ties) are scored together afterwards, as the mean over their
 *    orders (the copies of one untied sample need no averaging: all right or all wrong);
 *  - classwise ECE: with D_mk = Σ w (p_ik − [y_i = k]) over the samples whose p_ik is in bin m,
 *    the bins m >= 1 come from sparse cell lists (at most M entries per sample; the top label's
 *    entry is added by the pass from the confidence) and bin 0 is the total minus the others,
 *    D_0k = Σ_i w_i (p_ik − [y_i = k]) − Σ_{m>=1} D_mk. The totals, like the NLL and Brier
 *    sums, are dot products with a row-major float32 matrix read twelve columns at a time;
 *  - smooth ECE uses a grid chosen from the full-data bandwidth σ* and looks for the fixed point
 *    near σ*.
 */
import { equalMassBoundaries, equalMassGroupCount, equalWidthBinIndex } from './binning';
import { PROB_CLIP } from './metrics';
import { correctness, sortByConfidence, topLabel, type TopLabel } from './samples';
import { fixedPointNear, SmoothingScratch, smoothedResidualL1 } from './smooth-ece';
import { Rng } from './random';
import { METRIC_NAMES, type MetricName, type Predictions } from './types';

export const METRIC_INDEX: Readonly<Record<MetricName, number>> = Object.freeze(
  Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i])) as Record<MetricName, number>,
);

/** Grid steps per σ for smooth ECE in resamples; the linear split blurs σ by under 0.4%. */
const RESAMPLE_GRID_STEPS_PER_SIGMA = 5;
const MIN_RESAMPLE_GRID_INTERVALS = 200;

/** Columns of the dense matrix read together. */
const DENSE_GROUP = 12;

/** Per-sample data in ascending-confidence order (ties by sample index). */
export interface ResamplingData {
  /** Number of sorted positions (samples held). */
  sampleCount: number;
  /**
   * The weight every count vector sums to, and the n the metrics are of: sampleCount for the
   * bootstrap, the full data set's size for a bag-of-little-bootstraps subset.
   */
  totalWeight: number;
  numClasses: number;
  binCount: number;
  /** order[j] is the input row at sorted position j. */
  order: Int32Array;
  /** Top-label confidence per sorted sample (float32, as the probabilities it comes from). */
  confidence: Float32Array;
  /**
   * Two integers per sorted sample: correct + 2·tied + 4·run, and the classwise cell of the
   * top label, prediction·M + bin. tied is 1 when another sample has the same confidence, and
   * run is then the 1-based index of that run of equal confidences (0 otherwise).
   */
  codes: Int32Array;
  /** Number of runs of equal confidence (ties). */
  tieCount: number;
  /** Exact full-data means (the dense matrix holds them rounded to float32). */
  meanNll: number;
  meanBrier: number;
  /**
   * Per sorted sample p_ik − [y_i = k] for every class (see denseRows for labels below 0.5),
   * then NLL and Brier; row-major, rows padded with zeros to denseWidth (a multiple of 12).
   */
  dense: Float32Array;
  denseWidth: number;
  /** Segment s covers sorted positions [segmentStart[s], segmentStart[s + 1]). */
  segmentStart: Int32Array;
  /** Equal-width bin of each segment. */
  segmentBin: Int32Array;
  /** Lower smooth-ECE grid node of each segment. */
  segmentNode: Int32Array;
  /** Equal-mass group g starts at cumulative weight adaptiveBounds[g]. */
  adaptiveBounds: Int32Array;
  /** H[n] = Σ_{k<=n} 1/k. */
  harmonicN: number;
  /** cumulativeHarmonic[m] = Σ_{r<m} H[r]. */
  cumulativeHarmonic: Float64Array;
  /** Full-data σ*, which fixes the smooth-ECE grid. */
  smoothBandwidth: number;
  smoothIntervals: number;
  /**
   * Cell k·M + m lists entries [cellStart[c], cellStart[c + 1]): for m >= 1 those with p_ik in
   * bin m except the top label's (the pass adds it from the confidence); for m = 0 the label
   * corrections of the dense rows (see sparseCells).
   */
  cellStart: Int32Array;
  cellPosition: Int32Array;
  cellValue: Float64Array;
}

/**
 * Sorts and permutes everything once. `smoothBandwidth` is the full-data σ*. `precomputed` may
 * pass the top label, correctness and ascending order when the caller already has them.
 * `totalWeight` (default: the sample count) is what the counts of a resample sum to: a subset
 * of a larger data set resampled to that data set's size passes the larger size.
 */
export function prepareResampling(
  predictions: Predictions,
  binCount: number,
  smoothBandwidth: number,
  precomputed?: { top: TopLabel; correct: Uint8Array; order: Int32Array },
  totalWeight = predictions.labels.length,
): ResamplingData {
  const { numClasses: K, labels, probs, logits } = predictions;
  const n = labels.length;
  const M = binCount;
  const top = precomputed?.top ?? topLabel(probs, K);
  const correct = precomputed?.correct ?? correctness(top.prediction, labels);
  const order = precomputed?.order ?? sortByConfidence(top.confidence);
  const sigma = smoothBandwidth > 0 ? smoothBandwidth : 0.05;
  const G = Math.max(MIN_RESAMPLE_GRID_INTERVALS, Math.ceil(RESAMPLE_GRID_STEPS_PER_SIGMA / sigma));
  const denseWidth = Math.ceil((K + 2) / DENSE_GROUP) * DENSE_GROUP;
  const sorted = sortedSamples(top, correct, order, M, G);
  const cells = sparseCells(probs, labels, top.prediction, order, K, M);
  const N = totalWeight;
  const harmonic = harmonicTables(N);
  const rows = denseRows(probs, logits ?? null, labels, order, K, denseWidth);
  return {
    sampleCount: n,
    totalWeight: N,
    numClasses: K,
    binCount: M,
    order,
    ...sorted,
    meanNll: rows.meanNll,
    meanBrier: rows.meanBrier,
    dense: rows.dense,
    denseWidth,
    adaptiveBounds: Int32Array.from(equalMassBoundaries(N, equalMassGroupCount(N, M))),
    harmonicN: harmonic.harmonicN,
    cumulativeHarmonic: harmonic.cumulative,
    smoothBandwidth: sigma,
    smoothIntervals: G,
    ...cells,
  };
}

/** Confidence, codes, ties and segments in sorted order. */
function sortedSamples(
  top: TopLabel,
  correct: Uint8Array,
  order: Int32Array,
  M: number,
  G: number,
): Pick<
  ResamplingData,
  'confidence' | 'codes' | 'tieCount' | 'segmentStart' | 'segmentBin' | 'segmentNode'
> {
  const n = order.length;
  const confidence = new Float32Array(n);
  for (let j = 0; j < n; j++) confidence[j] = top.confidence[order[j]];
  const codes = new Int32Array(2 * n);
  const segmentStart: number[] = [];
  const segmentBin: number[] = [];
  const segmentNode: number[] = [];
  let previousBin = -1;
  let previousNode = -1;
  let tieCount = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j];
    const c = confidence[j];
    const tiedBelow = j > 0 && confidence[j - 1] === c;
    const tiedAbove = j < n - 1 && confidence[j + 1] === c;
    if (tiedAbove && !tiedBelow) tieCount++;
    const bin = equalWidthBinIndex(c, M);
    codes[2 * j] = correct[i] + (tiedBelow || tiedAbove ? 2 + 4 * tieCount : 0);
    codes[2 * j + 1] = top.prediction[i] * M + bin;
    const node = gridNode(c, G);
    if (bin !== previousBin || node !== previousNode) {
      segmentStart.push(j);
      segmentBin.push(bin);
      segmentNode.push(node);
      previousBin = bin;
      previousNode = node;
    }
  }
  segmentStart.push(n);
  return {
    confidence,
    codes,
    tieCount,
    segmentStart: Int32Array.from(segmentStart),
    segmentBin: Int32Array.from(segmentBin),
    segmentNode: Int32Array.from(segmentNode),
  };
}

/**
 * Rows p_ik − [y_i = k] (k < K), NLL, Brier, zero padding; in sorted order, with the exact
 * float64 means of NLL (log-softmax of the logits when given, else clipped probabilities, as
 * in metrics.ts) and Brier. p − 1 is exact in float32 only for p >= 0.5: below that the row
 * keeps p, and sparseCells() lists a −1 for the label in cell (y_i, bin 0) instead.
 */
function denseRows(
  probs: Float32Array,
  logits: Float32Array | null,
  labels: Int32Array,
  order: Int32Array,
  K: number,
  width: number,
): { dense: Float32Array; meanNll: number; meanBrier: number } {
  const n = order.length;
  const dense = new Float32Array(n * width);
  let sumNll = 0;
  let sumBrier = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j];
    const o = i * K;
    const row = j * width;
    const y = labels[i];
    let squares = 0;
    for (let k = 0; k < K; k++) {
      const p = probs[o + k];
      dense[row + k] = p;
      squares += p * p;
    }
    const py = probs[o + y];
    if (py >= 0.5) dense[row + y] = py - 1;
    let nll: number;
    if (logits) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) if (logits[o + k] > max) max = logits[o + k];
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(logits[o + k] - max);
      nll = max + Math.log(sum) - logits[o + y];
    } else {
      nll = -Math.log(Math.min(Math.max(py, PROB_CLIP), 1 - PROB_CLIP));
    }
    const brier = squares - 2 * py + 1;
    dense[row + K] = nll;
    dense[row + K + 1] = brier;
    sumNll += nll;
    sumBrier += brier;
  }
  return { dense, meanNll: sumNll / n, meanBrier: sumBrier / n };
}

/**
 * Cell lists by sorted position: for bins m >= 1, the entries p_ik in bin m other than the top
 * label's, valued p_ik − [y_i = k]; for bin 0, a −1 for each label with p_i,y_i < 0.5 (the
 * part of p − [y = k] the float32 dense rows leave out).
 */
function sparseCells(
  probs: Float32Array,
  labels: Int32Array,
  prediction: Int32Array,
  order: Int32Array,
  K: number,
  M: number,
): Pick<ResamplingData, 'cellStart' | 'cellPosition' | 'cellValue'> {
  const n = order.length;
  // Candidates in input order first (a sequential scan of probs), then placed by sorted rank.
  let capacity = 16 + (n >> 2);
  let candidateCell: Int32Array = new Int32Array(capacity);
  let candidateValue: Float64Array = new Float64Array(capacity);
  const sampleStart = new Int32Array(n + 1);
  let count = 0;
  const cellCount = new Int32Array(K * M);
  const add = (cell: number, value: number): void => {
    if (count === capacity) {
      capacity *= 2;
      const cells = new Int32Array(capacity);
      cells.set(candidateCell);
      candidateCell = cells;
      const values = new Float64Array(capacity);
      values.set(candidateValue);
      candidateValue = values;
    }
    candidateCell[count] = cell;
    candidateValue[count] = value;
    cellCount[cell]++;
    count++;
  };
  for (let i = 0, o = 0; i < n; i++, o += K) {
    sampleStart[i] = count;
    const skip = prediction[i];
    const y = labels[i];
    for (let k = 0; k < K; k++) {
      const p = probs[o + k];
      const x = p * M;
      if (x >= 1 && k !== skip) add(k * M + (x >= M ? M - 1 : Math.floor(x)), k === y ? p - 1 : p);
    }
    if (probs[o + y] < 0.5) add(y * M, -1);
  }
  sampleStart[n] = count;
  const cellStart = new Int32Array(K * M + 1);
  for (let cell = 0; cell < K * M; cell++) cellStart[cell + 1] = cellStart[cell] + cellCount[cell];
  const fill = cellStart.slice(0, K * M);
  const cellPosition = new Int32Array(count);
  const cellValue = new Float64Array(count);
  for (let j = 0; j < n; j++) {
    const i = order[j];
    for (let e = sampleStart[i]; e < sampleStart[i + 1]; e++) {
      const slot = fill[candidateCell[e]]++;
      cellPosition[slot] = j;
      cellValue[slot] = candidateValue[e];
    }
  }
  return { cellStart, cellPosition, cellValue };
}

let lastHarmonic: { n: number; harmonicN: number; cumulative: Float64Array } | null = null;

/** Lets the kept harmonic table go (80 MB for n = 10 million). */
export function releaseHarmonicTables(): void {
  lastHarmonic = null;
}

/**
 * H[n] and CH[m] = Σ_{r<m} H[r]. The last table is kept (read only) until
 * releaseHarmonicTables(), so that the subsets of a bag of little bootstraps, which all resample
 * to the same n, share one.
 */
function harmonicTables(n: number): { harmonicN: number; cumulative: Float64Array } {
  if (lastHarmonic?.n === n) return lastHarmonic;
  let harmonic = 0;
  const cumulative = new Float64Array(n + 1);
  for (let r = 1; r <= n; r++) {
    cumulative[r] = cumulative[r - 1] + harmonic;
    harmonic += 1 / r;
  }
  lastHarmonic = { n, harmonicN: harmonic, cumulative };
  return lastHarmonic;
}

/** Lower grid node of a confidence, as residualGrid() in smooth-ece.ts splits it. */
function gridNode(confidence: number, intervals: number): number {
  const x = Math.min(Math.max(confidence, 0), 1) * intervals;
  return Math.min(Math.floor(x), intervals - 1);
}

/** Slots of the pass's sums array. */
const SUM_RESIDUAL = 0;
const SUM_ADAPTIVE = 1;
/** Σ over wrong copies of the right weight strictly below them; then minus half the tied pairs. */
const SUM_RIGHT_BELOW_WRONG = 2;
const SUM_AURC = 3;
const SUM_WRONG = 4;
const SUM_COUNT = 5;

/**
 * Drops positions with count 0: kept[t] is a sorted position and keptWeight[t] its count.
 * Branch-free, because whether a count is 0 is unpredictable.
 */
function compact(counts: Int32Array, kept: Int32Array, keptWeight: Float64Array): number {
  let t = 0;
  const n = counts.length;
  let j = 0;
  // Unrolled by four: the loop overhead is a large part of so little work.
  for (; j + 3 < n; j += 4) {
    const a = counts[j];
    const b = counts[j + 1];
    const c = counts[j + 2];
    const d = counts[j + 3];
    kept[t] = j;
    keptWeight[t] = a;
    t += -a >>> 31;
    kept[t] = j + 1;
    keptWeight[t] = b;
    t += -b >>> 31;
    kept[t] = j + 2;
    keptWeight[t] = c;
    t += -c >>> 31;
    kept[t] = j + 3;
    keptWeight[t] = d;
    t += -d >>> 31;
  }
  for (; j < n; j++) {
    const x = counts[j];
    kept[t] = j;
    keptWeight[t] = x;
    t += -x >>> 31;
  }
  return t;
}

/** segmentEnd[s] = first t with kept[t] >= segmentStart[s + 1] (binary search). */
function segmentEnds(
  segmentStart: Int32Array,
  kept: Int32Array,
  keptCount: number,
  segmentEnd: Int32Array,
): void {
  for (let s = 0; s < segmentEnd.length; s++) {
    const bound = segmentStart[s + 1];
    let lo = s === 0 ? 0 : segmentEnd[s - 1];
    let hi = keptCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (kept[mid] < bound) lo = mid + 1;
      else hi = mid;
    }
    segmentEnd[s] = lo;
  }
}

/**
 * The per-sample pass over the kept positions. One function with nothing but stores after its
 * loop: V8 then optimises it whole rather than re-entering on-stack-replaced code that
 * deoptimises in code after a hot loop.
 */
function accumulate(
  d: ResamplingData,
  kept: Int32Array,
  keptWeight: Float64Array,
  segmentEnd: Int32Array,
  grid: Float64Array,
  binWeight: Float64Array,
  binResidual: Float64Array,
  topCell: Float64Array,
  ties: TieSums,
  sums: Float64Array,
): void {
  const n = d.totalWeight;
  const G = d.smoothIntervals;
  const confidence = d.confidence;
  const codes = d.codes;
  const CH = d.cumulativeHarmonic;
  const bounds = d.adaptiveBounds;
  const segmentBin = d.segmentBin;
  const segmentNode = d.segmentNode;
  const segments = segmentEnd.length;

  // Running Σ w (c − y); bins, segments and equal-mass groups take differences of it.
  let residualSum = 0;
  let position = 0;
  let group = 0;
  let groupEnd = bounds[1];
  let groupStartResidual = 0;
  let adaptive = 0;

  let wrongBelow = 0;
  let rightBelowWrong = 0;
  let aurc = 0;
  const { weight: tieWeight, wrong: tieWrong, endPosition: tieEnd, endWrong: tieEndWrong } = ties;

  let t = 0;
  for (let s = 0; s < segments; s++) {
    const segmentPosition = position;
    const segmentResidual = residualSum;
    let segResidualConf = 0;
    const end = segmentEnd[s];
    for (; t < end; t++) {
      const x = keptWeight[t];
      const xi = x | 0;
      const j = kept[t];
      const c = confidence[j];
      const code = codes[2 * j];
      const y = code & 1;
      const residual = x * (c - y);
      segResidualConf += residual * c;
      topCell[codes[2 * j + 1]] += residual;
      if (position + xi > groupEnd) {
        // The copies of this sample straddle one or more equal-mass group boundaries.
        const sampleEnd = position + xi;
        let at = position;
        let boundaryResidual = residualSum;
        while (sampleEnd > groupEnd) {
          boundaryResidual += (groupEnd - at) * (c - y);
          adaptive += Math.abs(boundaryResidual - groupStartResidual);
          groupStartResidual = boundaryResidual;
          at = groupEnd;
          group++;
          groupEnd = bounds[group + 1];
        }
      }
      residualSum += residual;

      const wrong = x - x * y;
      if ((code & 3) === 0) {
        // A wrong prediction with no tie. AUROC counts (right, wrong) pairs from the wrong
        // side and AURC sums over wrong copies only, so right ones need nothing here.
        rightBelowWrong += x * (position - wrongBelow);
        aurc += CH[n - position] - CH[n - position - xi];
      }
      if ((code & 2) !== 0) {
        // Runs of ties are scored afterwards from these sums (tieContributions).
        const run = code >> 2;
        tieWeight[run] += x;
        tieWrong[run] += wrong;
        tieEnd[run] = position + xi;
        tieEndWrong[run] = wrongBelow + wrong;
      }
      wrongBelow += wrong;
      position += xi;
    }
    const bin = segmentBin[s];
    const node = segmentNode[s];
    const segResidual = residualSum - segmentResidual;
    binWeight[bin] += position - segmentPosition;
    binResidual[bin] += segResidual;
    const upper = G * segResidualConf - node * segResidual;
    grid[node] += segResidual - upper;
    grid[node + 1] += upper;
  }
  sums[SUM_RESIDUAL] = residualSum;
  sums[SUM_ADAPTIVE] = adaptive + Math.abs(residualSum - groupStartResidual);
  sums[SUM_RIGHT_BELOW_WRONG] = rightBelowWrong;
  sums[SUM_AURC] = aurc;
  sums[SUM_WRONG] = wrongBelow;
}

/** Per run of ties (index 1..tieCount): weight, wrong weight and where the run ended. */
export interface TieSums {
  weight: Float64Array;
  wrong: Float64Array;
  /** Cumulative weight at the end of the run. */
  endPosition: Float64Array;
  /** Cumulative wrong weight at the end of the run. */
  endWrong: Float64Array;
}

function createTieSums(tieCount: number): TieSums {
  return {
    weight: new Float64Array(tieCount + 1),
    wrong: new Float64Array(tieCount + 1),
    endPosition: new Float64Array(tieCount + 1),
    endWrong: new Float64Array(tieCount + 1),
  };
}

/**
 * AUROC and AURC terms of the runs of ties. A run of weight W with E wrong, ending at
 * cumulative weight `end`, starts at end − W; its E wrong have start − (wrong below) right
 * copies strictly below, its R·E tied pairs count one half, and its wrong fraction E/W spread
 * over its ranks adds (E/W)·(CH[n − start] − CH[n − end]) to the AURC sum.
 */
function tieContributions(d: ResamplingData, ties: TieSums, sums: Float64Array): void {
  const n = d.totalWeight;
  const CH = d.cumulativeHarmonic;
  let pairsBelow = 0;
  let aurc = 0;
  for (let g = 1; g <= d.tieCount; g++) {
    const weight = ties.weight[g];
    if (weight === 0) continue;
    const wrong = ties.wrong[g];
    const right = weight - wrong;
    const endPosition = ties.endPosition[g];
    const startPosition = endPosition - weight;
    pairsBelow += wrong * (startPosition - (ties.endWrong[g] - wrong)) + 0.5 * right * wrong;
    aurc += (wrong / weight) * (CH[n - startPosition] - CH[n - endPosition]);
  }
  sums[SUM_RIGHT_BELOW_WRONG] += pairsBelow;
  sums[SUM_AURC] += aurc;
}

/**
 * out[k] = Σ_t keptWeight[t] · dense[kept[t]·width + k], twelve columns per sweep: a wider
 * sweep would spill registers, a narrower one reads every row and the kept lists again.
 */
function denseSums(
  dense: Float32Array,
  width: number,
  kept: Int32Array,
  keptWeight: Float64Array,
  keptCount: number,
  out: Float64Array,
): void {
  for (let k0 = 0; k0 < width; k0 += DENSE_GROUP) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    let a8 = 0;
    let a9 = 0;
    let a10 = 0;
    let a11 = 0;
    for (let t = 0; t < keptCount; t++) {
      const x = keptWeight[t];
      const o = kept[t] * width + k0;
      a0 += x * dense[o];
      a1 += x * dense[o + 1];
      a2 += x * dense[o + 2];
      a3 += x * dense[o + 3];
      a4 += x * dense[o + 4];
      a5 += x * dense[o + 5];
      a6 += x * dense[o + 6];
      a7 += x * dense[o + 7];
      a8 += x * dense[o + 8];
      a9 += x * dense[o + 9];
      a10 += x * dense[o + 10];
      a11 += x * dense[o + 11];
    }
    out[k0] = a0;
    out[k0 + 1] = a1;
    out[k0 + 2] = a2;
    out[k0 + 3] = a3;
    out[k0 + 4] = a4;
    out[k0 + 5] = a5;
    out[k0 + 6] = a6;
    out[k0 + 7] = a7;
    out[k0 + 8] = a8;
    out[k0 + 9] = a9;
    out[k0 + 10] = a10;
    out[k0 + 11] = a11;
  }
}

/** Σ_e counts[position_e] · value_e for each cell. */
function cellSums(d: ResamplingData, counts: Int32Array, out: Float64Array): void {
  const { cellStart, cellPosition, cellValue } = d;
  const cells = cellStart.length - 1;
  for (let cell = 0; cell < cells; cell++) {
    let sum = 0;
    const end = cellStart[cell + 1];
    for (let e = cellStart[cell]; e < end; e++) sum += counts[cellPosition[e]] * cellValue[e];
    out[cell] = sum;
  }
}

/** Evaluates all metrics for count vectors over the sorted samples; reuses its buffers. */
export class WeightedEvaluator {
  private readonly kept: Int32Array;
  private readonly keptWeight: Float64Array;
  private readonly segmentEnd: Int32Array;
  private readonly grid: Float64Array;
  private readonly binWeight: Float64Array;
  private readonly binResidual: Float64Array;
  private readonly topCell: Float64Array;
  private readonly cellSum: Float64Array;
  private readonly denseSum: Float64Array;
  private readonly ties: TieSums;
  private readonly sums = new Float64Array(SUM_COUNT);
  private readonly scratch = new SmoothingScratch();
  /** Class k's classwise-ECE term in the last evaluate(). */
  readonly classwisePerClass: Float64Array;
  /** The smooth-ECE bandwidth found by the last evaluate(). */
  lastBandwidth = NaN;

  constructor(private readonly data: ResamplingData) {
    warmUpWeightedPass();
    const n = data.sampleCount;
    this.kept = new Int32Array(n);
    this.keptWeight = new Float64Array(n);
    this.segmentEnd = new Int32Array(data.segmentBin.length);
    this.grid = new Float64Array(data.smoothIntervals + 1);
    this.binWeight = new Float64Array(data.binCount);
    this.binResidual = new Float64Array(data.binCount);
    this.topCell = new Float64Array(data.numClasses * data.binCount);
    this.cellSum = new Float64Array(data.numClasses * data.binCount);
    this.denseSum = new Float64Array(data.denseWidth);
    this.classwisePerClass = new Float64Array(data.numClasses);
    this.ties = createTieSums(data.tieCount);
  }

  /**
   * Writes the metrics in METRIC_NAMES order into `out`. `counts` (one per sorted position)
   * must be non-negative and sum to totalWeight: a multinomial resample, or all ones.
   */
  evaluate(counts: Int32Array, out: Float64Array): void {
    const d = this.data;
    const n = d.totalWeight;
    const M = d.binCount;
    const K = d.numClasses;
    const { kept, keptWeight, segmentEnd, grid, binWeight, binResidual, topCell } = this;
    const { cellSum, denseSum, sums, scratch, ties } = this;
    grid.fill(0);
    binWeight.fill(0);
    binResidual.fill(0);
    topCell.fill(0);
    ties.weight.fill(0);
    ties.wrong.fill(0);
    const keptCount = compact(counts, kept, keptWeight);
    segmentEnds(d.segmentStart, kept, keptCount, segmentEnd);
    accumulate(d, kept, keptWeight, segmentEnd, grid, binWeight, binResidual, topCell, ties, sums);
    tieContributions(d, ties, sums);
    denseSums(d.dense, d.denseWidth, kept, keptWeight, keptCount, denseSum);
    cellSums(d, counts, cellSum);

    let ece = 0;
    let mce = 0;
    for (let m = 0; m < M; m++) {
      const gap = Math.abs(binResidual[m]);
      ece += gap;
      if (binWeight[m] > 0) mce = Math.max(mce, gap / binWeight[m]);
    }

    let classwise = 0;
    for (let k = 0; k < K; k++) {
      let upper = 0;
      let term = 0;
      for (let m = 1; m < M; m++) {
        const diff = cellSum[k * M + m] + topCell[k * M + m];
        upper += diff;
        term += Math.abs(diff);
      }
      term += Math.abs(upper - denseSum[k] - cellSum[k * M]);
      this.classwisePerClass[k] = term / n;
      classwise += term;
    }

    for (let g = 0; g < grid.length; g++) grid[g] /= n;
    const smooth = fixedPointNear(
      (sigma) => smoothedResidualL1(grid, sigma, scratch),
      d.smoothBandwidth,
      Math.max(1e-7, 1e-3 * d.smoothBandwidth),
    );
    this.lastBandwidth = smooth.bandwidth;

    const wrong = sums[SUM_WRONG];
    const right = n - wrong;
    const sumCorrect = right;
    out[METRIC_INDEX.accuracy] = sumCorrect / n;
    out[METRIC_INDEX.nll] = denseSum[K] / n;
    out[METRIC_INDEX.brier] = denseSum[K + 1] / n;
    out[METRIC_INDEX.ece] = ece / n;
    out[METRIC_INDEX.mce] = mce;
    out[METRIC_INDEX.adaptiveEce] = sums[SUM_ADAPTIVE] / n;
    out[METRIC_INDEX.classwiseEce] = classwise / (n * K);
    out[METRIC_INDEX.smoothEce] = smooth.value;
    out[METRIC_INDEX.averageConfidence] = (sums[SUM_RESIDUAL] + sumCorrect) / n;
    out[METRIC_INDEX.overconfidenceGap] = sums[SUM_RESIDUAL] / n;
    out[METRIC_INDEX.misclassificationAuroc] =
      right > 0 && wrong > 0 ? 1 - sums[SUM_RIGHT_BELOW_WRONG] / (right * wrong) : NaN;
    out[METRIC_INDEX.aurc] = (wrong * d.harmonicN - sums[SUM_AURC]) / n;
  }
}

let warmedUp = false;

/**
 * Runs the preparation and the pass a few times on a small synthetic data set with ties,
 * repeated counts, wrong predictions and group boundaries, so that every branch has type
 * feedback and V8 has optimised the hot functions (on its compiler thread, while the caller
 * goes on) before they meet real data. Without it, code optimised during the first large
 * evaluation deoptimised at branches it had never seen (a run of tied confidences, say) and
 * ran the rest of the loop unoptimised, on every later call.
 */
export function warmUpWeightedPass(): void {
  if (warmedUp) return;
  warmedUp = true;
  const n = 1024;
  const K = 3;
  const rng = new Rng(1);
  const labels = new Int32Array(n);
  const probs = new Float32Array(n * K);
  const logits = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.nextInt(K);
    const prediction = rng.nextFloat() < 0.7 ? labels[i] : rng.nextInt(K);
    const top = i % 4 === 0 ? 0.5 : 0.34 + 0.66 * rng.nextFloat();
    for (let k = 0; k < K; k++) {
      probs[i * K + k] = k === prediction ? top : (1 - top) / (K - 1);
      logits[i * K + k] = Math.log(probs[i * K + k]);
    }
  }
  prepareResampling({ numClasses: K, labels, probs }, 15, 0.1);
  const data = prepareResampling({ numClasses: K, labels, probs, logits }, 15, 0.1);
  const evaluator = new WeightedEvaluator(data);
  const out = new Float64Array(METRIC_NAMES.length);
  const counts = new Int32Array(n);
  for (let round = 0; round < 8; round++) {
    if (round === 0) counts.fill(1);
    else rng.fillMultinomialCounts(counts);
    evaluator.evaluate(counts, out);
  }
  const grid = Float64Array.from({ length: 201 }, (_, g) => Math.sin(g));
  for (const sigma of [0.001, 0.05, 1]) smoothedResidualL1(grid, sigma);
  for (const target of [0.0001, 0.5, 2]) fixedPointNear(() => target, 0.1, 1e-6);
}
