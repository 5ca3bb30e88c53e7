import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmGradientKernels } from '../../../src/engine/train/wasm-gradient-kernels';

const MISSING = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
];
const REPLACED = ['Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad'];

/** Relative tolerance: max |wasm - reference| <= TOL * max(1, max |reference|). */
const TOL = 1e-4;

let registeredBeforeImport: string[] = [];
let registeredAfterImport: string[] = [];

beforeAll(async () => {
  // Registering must work before the wasm backend exists; the replacements need it imported.
  registeredBeforeImport = registerWasmGradientKernels();
  await import('@tensorflow/tfjs-backend-wasm');
  registeredAfterImport = registerWasmGradientKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

/** Worst differences per group (absolute, relative), printed at the end. */
const worst = new Map<string, { absolute: number; relative: number }>();

afterAll(() => {
  const rows = [...worst].map(
    ([group, d]) =>
      `  ${group.padEnd(44)} ${d.absolute.toExponential(2).padStart(9)}  ${d.relative.toExponential(2)}`,
  );
  console.log(
    `max |wasm - reference| (absolute, relative to max(1, |reference|)):\n${rows.join('\n')}`,
  );
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** Seeded uniform values in [lo, hi) (mulberry32). */
function seeded(shape: number[], seed: number, lo = -1, hi = 1): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = lo + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo);
  }
  return values;
}

function tensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.tensor(seeded(shape, seed, lo, hi), shape);
}

interface Result {
  shape: number[];
  values: Float32Array;
}

/** Runs `f` on a backend and returns copies of its outputs' values (all tensors disposed). */
async function runOn(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const results = list.map((t) => ({
    shape: t.shape.slice(),
    values: Float32Array.from(t.dataSync()),
  }));
  tf.dispose(list);
  await tf.setBackend('wasm');
  return results;
}

/** Max |a - b| relative to max(1, max |reference|); records it under `group`. */
function relativeDiff(group: string, actual: Result, reference: Result): number {
  expect(actual.shape).toEqual(reference.shape);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < reference.values.length; i++) {
    diff = Math.max(diff, Math.abs(actual.values[i] - reference.values[i]));
    scale = Math.max(scale, Math.abs(reference.values[i]));
  }
  const relative = Number.isNaN(diff) ? Infinity : diff / scale;
  const before = worst.get(group) ?? { absolute: 0, relative: 0 };
  worst.set(group, {
    absolute: Math.max(before.absolute, diff),
    relative: Math.max(before.relative, relative),
  });
  return relative;
}

/** Asserts `f` gives the same outputs on wasm as on cpu. */
async function expectSameOnBackends(group: string, f: () => tf.Tensor | tf.Tensor[]) {
  const reference = await runOn('cpu', f);
  const actual = await runOn('wasm', f);
  expect(actual.length).toBe(reference.length);
  for (let i = 0; i < reference.length; i++) {
    expect(relativeDiff(group, actual[i], reference[i])).toBeLessThanOrEqual(TOL);
  }
}

/** Gradients of sum(op(x, w) · r) with respect to x and w, r a fixed random tensor. */
function gradsOf(
  op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: number[],
  wShape: number[],
  seed: number,
): () => tf.Tensor[] {
  return () => {
    const x = tensor(xShape, seed);
    const w = tensor(wShape, seed + 1);
    const outShape = op(x as tf.Tensor4D, w as tf.Tensor4D).shape;
    const r = tensor(outShape, seed + 2);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), r)),
    )([x, w]);
  };
}

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function padInfo(
  xShape: number[],
  filterShape: number[],
  strides: number | [number, number],
  dilations: number,
  pad: Pad,
  depthwise: boolean,
) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
  );
}

/**
 * Straight-from-the-definition reference gradients of a (depthwise) conv2d with dilation, for the
 * configurations tfjs cannot check itself (its gradients refuse dilation > 1 and its cpu
 * DepthwiseConv2dNativeBackprop* kernels ignore the dilation).
 */
function referenceConvGrads(
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  filterShape: number[],
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): { dx: Float32Array; dw: Float32Array } {
  const [batch, height, width, inC] = xShape;
  const [kh, kw, , fourth] = filterShape;
  const { outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth } = info;
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const yy = oy * strideHeight + i * dilationHeight - info.padInfo.top;
            const xx = ox * strideWidth + j * dilationWidth - info.padInfo.left;
            if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
            for (let oc = 0; oc < outChannels; oc++) {
              const g = dy[((b * outHeight + oy) * outWidth + ox) * outChannels + oc];
              const channels = depthwise ? [Math.floor(oc / fourth)] : [...Array(inC).keys()];
              for (const c of channels) {
                const xi = ((b * height + yy) * width + xx) * inC + c;
                const wi = depthwise
                  ? ((i * kw + j) * inC + c) * fourth + (oc % fourth)
                  : ((i * kw + j) * inC + c) * fourth + oc;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
  return { dx, dw };
}

function asResult(values: Float32Array, shape: number[]): Result {
  return { values, shape };
}

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

// ---------------------------------------------------------------------------------------------

describe('registerWasmGradientKernels', () => {
  it('registers the missing kernels even before the wasm backend is imported', () => {
    expect(registeredBeforeImport.sort()).toEqual([...MISSING].sort());
    for (const name of MISSING) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it('replaces the wrong or slow wasm kernels once the backend is imported, idempotently', () => {
    expect(registeredAfterImport.sort()).toEqual([...MISSING, ...REPLACED].sort());
    const before = REPLACED.map((name) => tf.getKernel(name, 'wasm'));
    expect(registerWasmGradientKernels().sort()).toEqual([...MISSING, ...REPLACED].sort());
    const after = REPLACED.map((name) => tf.getKernel(name, 'wasm'));
    expect(after).toEqual(before);
    // The replacements keep the native setup that binds their wasm functions.
    for (const config of after) expect(config.setupFunc).toBeTypeOf('function');
  });
});

const convCases: Array<{ x: number[]; w: number[]; strides: number | [number, number]; pad: Pad }> =
  [
    { x: [2, 9, 9, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], w: [3, 3, 3, 4], strides: 2, pad: 'valid' },
    { x: [3, 10, 10, 2], w: [3, 3, 2, 3], strides: 2, pad: 'valid' },
    { x: [3, 10, 9, 2], w: [3, 3, 2, 5], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 1], w: [5, 5, 1, 2], strides: 2, pad: 'same' },
    { x: [2, 7, 7, 2], w: [2, 2, 2, 2], strides: 1, pad: 1 },
    { x: [2, 11, 11, 2], w: [4, 4, 2, 2], strides: 3, pad: 'same' },
    { x: [2, 12, 12, 1], w: [3, 3, 1, 8], strides: 1, pad: 'same' },
    { x: [2, 13, 11, 1], w: [3, 3, 1, 6], strides: 2, pad: 'valid' },
    { x: [2, 9, 9, 20], w: [3, 3, 20, 6], strides: 1, pad: 'same' },
    { x: [2, 8, 9, 4], w: [1, 1, 4, 3], strides: 1, pad: 'valid' },
    { x: [2, 9, 8, 3], w: [3, 2, 3, 2], strides: [1, 2], pad: 'same' },
    {
      x: [2, 9, 9, 3],
      w: [3, 3, 3, 2],
      strides: [2, 1],
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    },
  ];

describe('Conv2D gradients (Conv2DBackpropFilter, Conv2DBackpropInput) match cpu', () => {
  it.each(convCases)('x $x, filter $w, strides $strides, pad $pad', async (c) => {
    await expectSameOnBackends(
      'Conv2D dx, dW (tf.grads)',
      gradsOf((x, w) => tf.conv2d(x, w, c.strides, c.pad), c.x, c.w, 11),
    );
  });

  it('with a fused bias and linear activation, as Conv2D layers train', async () => {
    await expectSameOnBackends('Conv2D dx, dW (tf.grads)', () => {
      const x = tensor([2, 9, 9, 3], 21);
      const w = tensor([3, 3, 3, 4], 22);
      const bias = tensor([4], 23);
      const r = tensor([2, 9, 9, 4], 24);
      return tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.fused.conv2d({
              x: a as tf.Tensor4D,
              filter: b as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: c,
            }),
            r,
          ),
        ),
      )([x, w, bias]);
    });
  });

  it.each(['NHWC', 'NCHW'] as const)('kernels called directly, dataFormat %s', async (format) => {
    const xShape = format === 'NHWC' ? [2, 9, 8, 3] : [2, 3, 9, 8];
    const dyShape = format === 'NHWC' ? [2, 5, 4, 4] : [2, 4, 5, 4];
    const attrs = { strides: 2, pad: 'same', dataFormat: format };
    await expectSameOnBackends('Conv2D kernels NCHW/NHWC (direct)', () => [
      runKernel(
        'Conv2DBackpropFilter',
        { x: tensor(xShape, 31), dy: tensor(dyShape, 32) },
        { ...attrs, filterShape: [3, 3, 3, 4] },
      ),
      runKernel(
        'Conv2DBackpropInput',
        { dy: tensor(dyShape, 32), filter: tensor([3, 3, 3, 4], 33) },
        { ...attrs, inputShape: xShape },
      ),
    ]);
  });

  it.each([
    { x: [2, 11, 11, 2], w: [3, 3, 2, 3], pad: 'same' as const },
    { x: [2, 11, 10, 1], w: [3, 3, 1, 4], pad: 'valid' as const },
    { x: [1, 12, 12, 3], w: [2, 3, 3, 2], pad: 'same' as const },
  ])('Conv2DBackpropFilter with dilation 2 (x $x, filter $w, $pad)', async (c) => {
    // tfjs refuses dilated conv2d gradients, so this checks the kernel's optional `dilations`
    // attribute against the definition.
    const info = padInfo(c.x, c.w, 1, 2, c.pad, false);
    const x = seeded(c.x, 41);
    const dy = seeded(info.outShape, 42);
    const [actual] = await runOn('wasm', () =>
      runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor(x, c.x), dy: tf.tensor(dy, info.outShape) },
        { strides: 1, dilations: 2, pad: c.pad, dataFormat: 'NHWC', filterShape: c.w },
      ),
    );
    const { dw } = referenceConvGrads(
      x,
      c.x,
      new Float32Array(seeded(c.w, 0).length),
      c.w,
      dy,
      info,
      false,
    );
    expect(
      relativeDiff('Conv2DBackpropFilter dilation 2 (reference)', actual, asResult(dw, c.w)),
    ).toBeLessThanOrEqual(TOL);
  });
});

const depthwiseCases: Array<{ x: number[]; w: number[]; strides: number; pad: Pad }> = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 2], strides: 1, pad: 'same' },
  { x: [2, 9, 7, 3], w: [3, 3, 3, 2], strides: 2, pad: 'valid' },
  { x: [3, 10, 10, 2], w: [3, 3, 2, 1], strides: 2, pad: 'valid' },
  { x: [2, 10, 9, 4], w: [3, 3, 4, 2], strides: 2, pad: 'same' },
  { x: [1, 8, 8, 2], w: [5, 5, 2, 3], strides: 2, pad: 'same' },
  { x: [2, 7, 7, 3], w: [2, 2, 3, 2], strides: 1, pad: 1 },
  { x: [2, 11, 11, 2], w: [4, 4, 2, 2], strides: 3, pad: 'same' },
];

describe('DepthwiseConv2dNative gradients match cpu', () => {
  it.each(depthwiseCases)('x $x, filter $w, strides $strides, pad $pad', async (c) => {
    await expectSameOnBackends(
      'DepthwiseConv2D dx, dW (tf.grads)',
      gradsOf((x, w) => tf.depthwiseConv2d(x, w, c.strides, c.pad), c.x, c.w, 51),
    );
  });

  it.each([
    { x: [2, 11, 11, 2], w: [3, 3, 2, 1], pad: 'same' as const },
    { x: [2, 11, 10, 3], w: [3, 3, 3, 2], pad: 'valid' as const },
    { x: [1, 12, 12, 2], w: [2, 3, 2, 2], pad: 'same' as const },
  ])('with dilation 2 (x $x, filter $w, $pad) against the definition', async (c) => {
    // tfjs refuses dilated depthwise gradients and its cpu backprop kernels ignore dilation, so
    // the wasm kernels are checked against the definition.
    const info = padInfo(c.x, c.w, 1, 2, c.pad, true);
    const x = seeded(c.x, 61);
    const w = seeded(c.w, 62);
    const dy = seeded(info.outShape, 63);
    const attrs = { strides: 1, dilations: 2, pad: c.pad };
    const [dwActual, dxActual] = await runOn('wasm', () => [
      runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: tf.tensor(x, c.x), dy: tf.tensor(dy, info.outShape) },
        { ...attrs, filterShape: c.w },
      ),
      runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: tf.tensor(dy, info.outShape), filter: tf.tensor(w, c.w) },
        { ...attrs, inputShape: c.x },
      ),
    ]);
    const reference = referenceConvGrads(x, c.x, w, c.w, dy, info, true);
    const group = 'DepthwiseConv2D dilation 2 (reference)';
    expect(relativeDiff(group, dwActual, asResult(reference.dw, c.w))).toBeLessThanOrEqual(TOL);
    expect(relativeDiff(group, dxActual, asResult(reference.dx, c.x))).toBeLessThanOrEqual(TOL);
  });

  it('the reference agrees with cpu without dilation', async () => {
    const c = { x: [2, 9, 8, 3], w: [3, 3, 3, 2] };
    const info = padInfo(c.x, c.w, 2, 1, 'same', true);
    const [x, w, dy] = [seeded(c.x, 71), seeded(c.w, 72), seeded(info.outShape, 73)];
    const [dw, dx] = await runOn('cpu', () => [
      runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: tf.tensor(x, c.x), dy: tf.tensor(dy, info.outShape) },
        { strides: 2, dilations: 1, pad: 'same', filterShape: c.w },
      ),
      runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: tf.tensor(dy, info.outShape), filter: tf.tensor(w, c.w) },
        { strides: 2, dilations: 1, pad: 'same', inputShape: c.x },
      ),
    ]);
    const reference = referenceConvGrads(x, c.x, w, c.w, dy, info, true);
    expect(relativeDiff('reference vs cpu', asResult(reference.dw, c.w), dw)).toBeLessThanOrEqual(
      TOL,
    );
    expect(relativeDiff('reference vs cpu', asResult(reference.dx, c.x), dx)).toBeLessThanOrEqual(
      TOL,
    );
  });
});

describe('MaxPoolGrad matches cpu (first maximum of each window gets the gradient)', () => {
  const inputs: Record<string, (shape: number[]) => tf.Tensor> = {
    random: (shape) => tensor(shape, 81),
    negative: (shape) => tensor(shape, 82, -5, -1),
    'relu (ties at zero)': (shape) => tf.relu(tensor(shape, 83)),
    'coarse (ties)': (shape) => tf.round(tensor(shape, 84, -2, 2)),
  };
  const pools: Array<{ shape: number[]; size: number; strides: number; pad: 'same' | 'valid' }> = [
    { shape: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
    { shape: [2, 7, 9, 2], size: 2, strides: 2, pad: 'valid' },
    { shape: [2, 7, 9, 2], size: 2, strides: 2, pad: 'same' },
    { shape: [2, 9, 9, 2], size: 3, strides: 2, pad: 'same' },
    { shape: [1, 8, 7, 4], size: 3, strides: 1, pad: 'same' },
    { shape: [2, 6, 6, 3], size: 2, strides: 1, pad: 'valid' },
  ];
  for (const [kind, make] of Object.entries(inputs)) {
    it.each(pools)(`${kind} x $shape, pool $size, strides $strides, $pad`, async (p) => {
      await expectSameOnBackends('MaxPool dx (tf.grad)', () => {
        const x = make(p.shape);
        const r = tensor(tf.maxPool(x as tf.Tensor4D, p.size, p.strides, p.pad).shape, 85);
        return tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, p.size, p.strides, p.pad), r)),
        )(x);
      });
    });
  }
});

describe('AvgPoolGrad (the wasm kernel) matches cpu', () => {
  it.each([
    { shape: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' as const },
    { shape: [2, 7, 9, 2], size: 3, strides: 2, pad: 'same' as const },
    { shape: [1, 8, 7, 4], size: 3, strides: 1, pad: 'same' as const },
  ])('x $shape, pool $size, strides $strides, $pad', async (p) => {
    await expectSameOnBackends('AvgPool dx (tf.grad)', () => {
      const x = tensor(p.shape, 86);
      const r = tensor(tf.avgPool(x as tf.Tensor4D, p.size, p.strides, p.pad).shape, 87);
      return tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, p.size, p.strides, p.pad), r)),
      )(x);
    });
  });
});

describe('BatchMatMul matches cpu', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transposeA %s, transposeB %s, single and batched', async (ta, tb) => {
    await expectSameOnBackends('BatchMatMul', () => {
      const a = tensor(ta ? [7, 5] : [5, 7], 91);
      const b = tensor(tb ? [3, 7] : [7, 3], 92);
      const a3 = tensor(ta ? [2, 7, 5] : [2, 5, 7], 93);
      const b3 = tensor(tb ? [2, 3, 7] : [2, 7, 3], 94);
      return [tf.matMul(a, b, ta, tb), tf.matMul(a3, b3, ta, tb)];
    });
  });

  it('Dense layer gradients', async () => {
    await expectSameOnBackends('BatchMatMul', () => {
      const x = tensor([16, 40], 95);
      const w = tensor([40, 24], 96);
      const r = tensor([16, 24], 97);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b), r)))([x, w]);
    });
  });
});

describe('UnsortedSegmentSum matches cpu', () => {
  it('sums duplicate ids and drops out-of-range ids', async () => {
    await expectSameOnBackends('UnsortedSegmentSum', () => {
      const x = tensor([7, 3], 101);
      const ids = tf.tensor1d([0, -1, 3, 7, 3, 0, 2], 'int32');
      return [
        tf.unsortedSegmentSum(x, ids, 4),
        tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6, 7]), ids, 5),
        tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([2, 2, 0], 'int32'), 3),
        tf.unsortedSegmentSum(x, tf.tensor1d([9, 9, -2, 9, 9, 9, 9], 'int32'), 3),
      ];
    });
  });

  it('as the gradient of gather (Embedding layers)', async () => {
    await expectSameOnBackends('UnsortedSegmentSum', () => {
      const table = tensor([6, 4], 102);
      const ids = tf.tensor2d([0, 2, 2, 5, 1, 0, 0, 3], [2, 4], 'int32');
      const r = tensor([2, 4, 4], 103);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), r)))(table);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Whole layers: gradients of every trainable weight, wasm vs cpu.

const L = tf.layers;
const IMG = [9, 9, 3];
const head = () => [L.flatten(), L.dense({ units: 3 })];

const layerModels: Record<string, () => tf.LayersModel> = {
  'Conv2D same, linear (fused)': () =>
    tf.sequential({
      layers: [
        L.conv2d({ inputShape: IMG, filters: 4, kernelSize: 3, padding: 'same' }),
        ...head(),
      ],
    }),
  'Conv2D valid stride 2 relu': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
        ...head(),
      ],
    }),
  'Conv2D same stride 2, no bias': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        ...head(),
      ],
    }),
  'DepthwiseConv2D multiplier 2': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        ...head(),
      ],
    }),
  'DepthwiseConv2D stride 2 valid': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.depthwiseConv2d({ kernelSize: 3, strides: 2 }),
        ...head(),
      ],
    }),
  SeparableConv2D: () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, activation: 'relu' }),
        ...head(),
      ],
    }),
  'MaxPooling2D / AveragePooling2D': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.maxPooling2d({ poolSize: 2 }),
        L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
        L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        ...head(),
      ],
    }),
  'BatchNormalization + Dropout': () =>
    tf.sequential({
      layers: [
        L.conv2d({ inputShape: IMG, filters: 4, kernelSize: 3 }),
        L.batchNormalization(),
        L.dropout({ rate: 0.3, seed: 1 }),
        ...head(),
      ],
    }),
  'Dense with ReLU/ReLU6/ELU/sigmoid/tanh/softmax…': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: [6], units: 8, activation: 'relu' }),
        L.dense({ units: 8, activation: 'relu6' }),
        L.dense({ units: 8, activation: 'elu' }),
        L.dense({ units: 8, activation: 'sigmoid' }),
        L.dense({ units: 8, activation: 'tanh' }),
        L.dense({ units: 8, activation: 'selu' }),
        L.dense({ units: 8, activation: 'softplus' }),
        L.dense({ units: 8, activation: 'swish' }),
        L.dense({ units: 8 }),
        L.leakyReLU(),
        L.dense({ units: 8 }),
        L.prelu(),
        L.dense({ units: 8 }),
        L.reLU({ maxValue: 6 }),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  'GlobalAveragePooling2D / GlobalMaxPooling2D / Concatenate': () => {
    const x = tf.input({ shape: IMG });
    const c = L.conv2d({ filters: 4, kernelSize: 3 }).apply(x) as tf.SymbolicTensor;
    const a = L.globalAveragePooling2d({}).apply(c) as tf.SymbolicTensor;
    const m = L.globalMaxPooling2d({}).apply(c) as tf.SymbolicTensor;
    const s = L.concatenate().apply([a, m]) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: L.dense({ units: 3 }).apply(s) as tf.SymbolicTensor });
  },
  'Add / Concatenate / Multiply': () => {
    const x = tf.input({ shape: IMG });
    const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(
      x,
    ) as tf.SymbolicTensor;
    const b = L.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
    const s = L.add().apply([a, b]) as tf.SymbolicTensor;
    const c = L.concatenate().apply([s, a]) as tf.SymbolicTensor;
    const m = L.multiply().apply([c, c]) as tf.SymbolicTensor;
    const f = L.flatten().apply(m) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: L.dense({ units: 3 }).apply(f) as tf.SymbolicTensor });
  },
  'ZeroPadding2D / UpSampling2D / Cropping2D': () =>
    tf.sequential({
      layers: [
        L.zeroPadding2d({ inputShape: [5, 5, 3], padding: 1 }),
        L.upSampling2d({ size: [2, 2] }),
        L.cropping2D({ cropping: 1 }),
        L.conv2d({ filters: 2, kernelSize: 3 }),
        ...head(),
      ],
    }),
  'UpSampling2D bilinear': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: [5, 5, 3], units: 3 }),
        L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
        ...head(),
      ],
    }),
  Conv2DTranspose: () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: [5, 5, 3], units: 3 }),
        L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
        ...head(),
      ],
    }),
  'Conv1D / MaxPooling1D': () =>
    tf.sequential({
      layers: [
        L.conv1d({ inputShape: [9, 3], filters: 4, kernelSize: 3 }),
        L.maxPooling1d({ poolSize: 2 }),
        ...head(),
      ],
    }),
  LayerNormalization: () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: [6], units: 8 }),
        L.layerNormalization(),
        L.dense({ units: 3 }),
      ],
    }),
  'Embedding + LSTM': () =>
    tf.sequential({
      layers: [
        L.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }),
        L.lstm({ units: 3 }),
        L.dense({ units: 3 }),
      ],
    }),
};

/** Gradients of sum(model(x) · r) for every trainable weight, with seeded weights. */
function layerGrads(build: () => tf.LayersModel): tf.Tensor[] {
  const model = build();
  model.setWeights(model.getWeights().map((w, i) => tensor(w.shape, 200 + i, -0.5, 0.5)));
  const shape = model.inputs[0].shape.map((d) => d ?? 4);
  const x =
    model.layers[0].getClassName() === 'Embedding'
      ? tf.tensor(Array.from(seeded(shape, 300, 0, 10), Math.floor), shape, 'int32')
      : tensor(shape, 300);
  const outShape = (model.outputs[0].shape as Array<number | null>).map((d) => d ?? 4);
  const r = tensor(outShape, 301);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)),
    variables,
  );
  const out = variables.map((v) => grads[v.name]);
  model.dispose();
  return out;
}

describe('layer gradients match cpu', () => {
  it.each(Object.keys(layerModels))('%s', async (name) => {
    await expectSameOnBackends('layer weight gradients', () => layerGrads(layerModels[name]));
  });
});

// ---------------------------------------------------------------------------------------------
// End to end

/** 12×12 grayscale images: a bright 3×3 blob in the left, middle or right third. */
function blobData(count: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const noise = seeded([count, 12, 12, 1], 400, 0, 0.3);
  const labels = Array.from({ length: count }, (_, i) => i % 3);
  for (let n = 0; n < count; n++) {
    const left = labels[n] * 4 + ((n >> 2) % 2);
    const top = 2 + ((n * 7) % 7);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) noise[n * 144 + (top + i) * 12 + left + j] += 1;
  }
  return {
    xs: tf.tensor4d(noise, [count, 12, 12, 1]),
    ys: tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D,
  };
}

function tinyConvNet(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      L.conv2d({
        inputShape: [12, 12, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
  });
  model.setWeights(model.getWeights().map((w, i) => tensor(w.shape, 500 + i, -0.3, 0.3)));
  return model;
}

const softmaxLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) =>
  tf.losses.softmaxCrossEntropy(yTrue, yPred) as tf.Scalar;

describe('training a tiny conv net on wasm', () => {
  it('takes the same first SGD step as on cpu', async () => {
    const step = () => {
      const model = tinyConvNet();
      const { xs, ys } = blobData(16);
      const optimizer = tf.train.sgd(0.1);
      optimizer.minimize(() => softmaxLoss(ys, model.apply(xs, { training: true }) as tf.Tensor));
      optimizer.dispose();
      const weights = model.getWeights().map((w) => w.clone());
      model.dispose();
      return weights;
    };
    await expectSameOnBackends('first SGD step weights', step);
  });

  it('lowers its loss with model.fit (Adam)', async () => {
    await tf.setBackend('wasm');
    const model = tinyConvNet();
    const { xs, ys } = blobData(48);
    model.compile({ optimizer: tf.train.adam(0.01), loss: softmaxLoss });
    const history = await model.fit(xs, ys, {
      epochs: 12,
      batchSize: 16,
      shuffle: false,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
    model.dispose();
    tf.dispose([xs, ys]);
  });
});

describe('memory', () => {
  it('training steps leak neither tensors nor wasm buffers', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const model = tinyConvNet();
    const { xs, ys } = blobData(16);
    const optimizer = tf.train.adam(0.01);
    const step = () =>
      tf.tidy(() => {
        optimizer.minimize(() => softmaxLoss(ys, model.apply(xs, { training: true }) as tf.Tensor));
      });
    step();
    step(); // Adam creates its slots on the first step.
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let i = 0; i < 8; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('each kernel frees its intermediates', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const calls: Array<() => tf.Tensor> = [
      () =>
        runKernel(
          'Conv2DBackpropFilter',
          { x: tensor([2, 9, 9, 3], 1), dy: tensor([2, 5, 5, 4], 2) },
          { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] },
        ),
      () =>
        runKernel(
          'Conv2DBackpropFilter',
          { x: tensor([2, 9, 9, 1], 1), dy: tensor([2, 4, 4, 4], 2) },
          { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 4] },
        ),
      () =>
        runKernel(
          'Conv2DBackpropInput',
          { dy: tensor([2, 5, 5, 4], 2), filter: tensor([3, 3, 3, 4], 3) },
          { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3] },
        ),
      () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: tensor([2, 9, 9, 3], 1), dy: tensor([2, 5, 5, 6], 2) },
          { strides: 2, dilations: 1, pad: 'same', filterShape: [3, 3, 3, 2] },
        ),
      () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: tensor([2, 5, 5, 6], 2), filter: tensor([3, 3, 3, 2], 3) },
          { strides: 2, dilations: 1, pad: 'same', inputShape: [2, 9, 9, 3] },
        ),
      () =>
        runKernel(
          'MaxPoolGrad',
          {
            dy: tensor([2, 4, 4, 3], 2),
            input: tensor([2, 9, 9, 3], 1),
            output: tensor([2, 4, 4, 3], 2),
          },
          { filterSize: 2, strides: 2, pad: 'valid' },
        ),
      () => tf.matMul(tensor([5, 7], 1), tensor([3, 7], 2), false, true),
      () => tf.unsortedSegmentSum(tensor([4, 3], 1), tf.tensor1d([0, 5, 1, 1], 'int32'), 2),
    ];
    for (const call of calls) {
      tf.tidy(() => {
        call();
      });
      const tensors = tf.memory().numTensors;
      const buffers = backend.numDataIds();
      for (let i = 0; i < 3; i++) tf.tidy(() => call().dataSync());
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backend.numDataIds()).toBe(buffers);
    }
  });
});
