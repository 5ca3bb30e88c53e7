/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32: small, fast and reproducible
 * across platforms, which Math.random is not.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `stream` selects one of many independent sequences of the same seed (0: the seed's own). */
  constructor(seed: number, stream = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const low = Math.trunc(seed) >>> 0;
    const high = Math.trunc(seed / 4294967296) >>> 0;
    let x = (low ^ Math.imul(high, 0x9e3779b9) ^ Math.imul(stream, 0x85ebca6b)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n), n <= 2^32 (bias below n / 2^32). */
  nextInt(n: number): number {
    return Math.floor(this.nextUint32() * (n / 4294967296));
  }

  /**
   * Overwrites `counts` (length n) with one multinomial draw of n trials over n equally likely
   * cells: the weights of one bootstrap resample. The generator is inlined because this runs
   * n times per resample.
   */
  fillMultinomialCounts(counts: Int32Array): void {
    const n = counts.length;
    counts.fill(0);
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const scale = n / 4294967296;
    for (let draw = 0; draw < n; draw++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      counts[(r * scale) | 0]++;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * One Binomial(trials, p) draw: inversion when trials·min(p, 1 − p) < 30, else the BTPE
   * rejection sampler of Kachitvichyanukul & Schmeiser ("Binomial random variate generation",
   * CACM 31, 1988), whose expected cost does not grow with trials.
   */
  nextBinomial(trials: number, p: number): number {
    if (trials <= 0 || p <= 0) return 0;
    if (p >= 1) return trials;
    const r = p > 0.5 ? 1 - p : p;
    const x = trials * r < 30 ? this.binomialInversion(trials, r) : this.binomialBtpe(trials, r);
    return p > 0.5 ? trials - x : x;
  }

  /** Sequential search from 0 (trials·p < 30, p <= 0.5). */
  private binomialInversion(trials: number, p: number): number {
    const q = 1 - p;
    const start = Math.exp(trials * Math.log(q));
    const np = trials * p;
    const bound = Math.min(trials, np + 10 * Math.sqrt(np * q + 1));
    for (;;) {
      let x = 0;
      let mass = start;
      let u = this.nextFloat();
      while (u > mass) {
        u -= mass;
        x++;
        if (x > bound) break;
        mass *= ((trials - x + 1) * p) / (x * q);
      }
      if (x <= bound) return x;
    }
  }

  /**
   * BTPE (p <= 0.5, trials·p >= 30): a triangle, two parallelograms and two exponential tails
   * dominate the distribution around its mode; a point under the triangle is accepted at once,
   * others by the ratio f(y)/f(mode), computed by recursion near the mode, else squeezed and
   * finally compared through Stirling's series.
   */
  private binomialBtpe(trials: number, p: number): number {
    const n = trials;
    const q = 1 - p;
    const nrq = n * p * q;
    const fm = n * p + p;
    const mode = Math.floor(fm);
    const p1 = Math.floor(2.195 * Math.sqrt(nrq) - 4.6 * q) + 0.5;
    const xm = mode + 0.5;
    const xl = xm - p1;
    const xr = xm + p1;
    const c = 0.134 + 20.5 / (15.3 + mode);
    const al = (fm - xl) / (fm - xl * p);
    const lambdaL = al * (1 + al / 2);
    const ar = (xr - fm) / (xr * q);
    const lambdaR = ar * (1 + ar / 2);
    const p2 = p1 * (1 + 2 * c);
    const p3 = p2 + c / lambdaL;
    const p4 = p3 + c / lambdaR;
    for (;;) {
      const u = this.nextFloat() * p4;
      let v = this.nextFloat();
      let y: number;
      if (u <= p1) return Math.floor(xm - p1 * v + u);
      if (u <= p2) {
        const x = xl + (u - p1) / c;
        v = v * c + 1 - Math.abs(mode - x + 0.5) / p1;
        if (v > 1) continue;
        y = Math.floor(x);
      } else if (u <= p3) {
        y = Math.floor(xl + Math.log(v) / lambdaL);
        if (y < 0) continue;
        v = v * (u - p2) * lambdaL;
      } else {
        y = Math.floor(xr - Math.log(v) / lambdaR);
        if (y > n) continue;
        v = v * (u - p3) * lambdaR;
      }
      const k = Math.abs(y - mode);
      if (k <= 20 || k >= nrq / 2 - 1) {
        // f(y) / f(mode) by the recursion f(i) / f(i − 1) = (n − i + 1)·p / (i·q).
        const s = p / q;
        const a = s * (n + 1);
        let f = 1;
        if (mode < y) for (let i = mode + 1; i <= y; i++) f *= a / i - s;
        else for (let i = y + 1; i <= mode; i++) f /= a / i - s;
        if (v <= f) return y;
        continue;
      }
      const rho = (k / nrq) * ((k * (k / 3 + 0.625) + 1 / 6) / nrq + 0.5);
      const t = (-k * k) / (2 * nrq);
      const logV = Math.log(v);
      if (logV < t - rho) return y;
      if (logV > t + rho) continue;
      const x1 = y + 1;
      const f1 = mode + 1;
      const z = n + 1 - mode;
      const w = n - y + 1;
      const logRatio =
        xm * Math.log(f1 / x1) +
        (n - mode + 0.5) * Math.log(z / w) +
        (y - mode) * Math.log((w * p) / (x1 * q)) +
        stirlingCorrection(f1) +
        stirlingCorrection(z) +
        stirlingCorrection(x1) +
        stirlingCorrection(w);
      if (logV <= logRatio) return y;
    }
  }

  /**
   * Overwrites `counts` with one Multinomial(total; 1/m, ..., 1/m) draw over its m cells, by
   * conditional binomials (cell i gets Binomial(left, 1/(m − i))): O(m) whatever the total, which
   * is what lets a small subset carry the weight of the whole data set (bag of little bootstraps).
   */
  fillUniformMultinomial(counts: Int32Array, total: number): void {
    const cells = counts.length;
    let left = total;
    for (let i = 0; i < cells - 1; i++) {
      const x = left > 0 ? this.nextBinomial(left, 1 / (cells - i)) : 0;
      counts[i] = x;
      left -= x;
    }
    if (cells > 0) counts[cells - 1] = left;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [index: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }
}

/** Stirling's series for log Γ's remainder, (1/12 − 1/(360x²) + 1/(1260x⁴) − 1/(1680x⁶)) / x. */
function stirlingCorrection(x: number): number {
  const x2 = x * x;
  return (13860 - (462 - (132 - (99 - 140 / x2) / x2) / x2) / x2) / x / 166320;
}
