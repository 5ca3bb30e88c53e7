/**
 * Gradient kernels for the tfjs wasm backend, so that conv nets can train on it: tfjs-backend-wasm
 * 4.22 lacks several (tfjs issue #8474: "Kernel 'Conv2DBackpropFilter' not registered for backend
 * 'wasm'"), gets MaxPoolGrad wrong, and runs two others through scalar C++ loops.
 *
 * The kernels are composed from kernels the wasm backend has (Conv2D, DepthwiseConv2dNative and
 * BatchMatMul run through XNNPACK, plus Transpose, Reshape, Slice, PadV2, Reverse, Sum, Fill,
 * GatherV2, ScatterNd). They call those wasm kernel functions directly with the backend, as the wasm
 * backend's own composite kernels do, and free every intermediate buffer before returning, so
 * nothing reaches the engine except the result.
 *
 * Registered when missing:
 * - Conv2DBackpropFilter: dW[i,j,ci,co] = Σ_{b,y,x} xpad[b, y·s + i·d, x·s + j·d, ci] · dy[b,y,x,co]
 *   is a Conv2D of x transposed to [ci, H, W, b] (ci as the batch, b as the channels) with dy
 *   transposed to [oh, ow, b, co] as the filter, stride = forward dilation, dilation = forward
 *   stride, and the forward padding passed as explicit padding (XNNPACK pads implicitly). For small
 *   patches (first layers) the patches are extracted by a Conv2D with an identity filter and dW is
 *   one matrix product, which is cheaper there.
 * - DepthwiseConv2dNativeBackpropFilter: the same correlation per channel, as a depthwise conv of
 *   x transposed to [1, H, W, c·b] with dy transposed to [oh, ow, c·b, m], summed over b.
 * - DepthwiseConv2dNativeBackpropInput: a depthwise conv (stride 1, forward dilation) of dy with
 *   zeros inserted between rows/columns (for stride > 1) and the spatially flipped filter, summed
 *   over the channel multiplier.
 * - UnsortedSegmentSum (gradient of Gather, e.g. the Embedding layer): ScatterNd, which sums
 *   duplicate indices.
 *
 * Replaced:
 * - MaxPoolGrad: the wasm kernel gives no gradient to windows whose maximum is not positive and
 *   breaks ties towards the last element; this one follows the cpu backend (first maximum).
 * - Conv2DBackpropInput: the wasm kernel is a scalar loop; this one is an XNNPACK Conv2D of dy
 *   (zero-upsampled for stride > 1) with the flipped filter (~10× faster on a 3×3 16→32 layer).
 * - BatchMatMul with transposeA/transposeB (Dense-layer gradients): the wasm kernel only uses
 *   XNNPACK without transposes, so the operands are transposed first.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  BatchMatMulAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelBackend,
  KernelFunc,
  MaxPoolGradAttrs,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs';

const BACKEND = 'wasm';

type Shape4 = [number, number, number, number];
type Pair = [number, number];
type ExplicitPad = [Pair, Pair, Pair, Pair];

/**
 * Conv2DBackpropFilter goes through explicit patches (im2col) when a patch has at most this many
 * values (kh·kw·ci, e.g. a first layer on grayscale images); above, building the patch matrix
 * costs more than it saves.
 */
const IM2COL_MAX_PATCH = 16;

/** Kernels this module registered (cumulative, so repeated calls report the same list). */
const registered = new Set<string>();

/** The wasm backend's own kernel functions for the kernels this module replaced. */
const nativeKernels = new Map<string, KernelFunc>();

/**
 * Runs wasm kernels by calling their registered kernel functions with the backend, and keeps every
 * intermediate it produced so that `finish` can free them all except the result.
 */
class KernelScope {
  private readonly owned: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernelFunc =
      nativeKernels.get(kernelName) ?? tf.getKernel(kernelName, BACKEND)?.kernelFunc;
    if (kernelFunc == null) {
      throw new Error(
        `wasm gradient kernels need the wasm kernel '${kernelName}', which is not registered.`,
      );
    }
    const out = kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      throw new Error(`wasm kernel '${kernelName}' returned several outputs; expected one.`);
    }
    this.owned.push(out);
    return out;
  }

  /** Frees every intermediate except `result`, which is handed to the engine. */
  finish(result: TensorInfo): TensorInfo {
    // The engine takes ownership of the result; never hand it an input's buffer.
    const out = this.owned.includes(result) ? result : this.run('Identity', { x: result });
    for (const info of this.owned) {
      if (info !== out) this.backend.disposeData(info.dataId);
    }
    this.owned.length = 0;
    return out;
  }

  /** Frees every intermediate (used when the kernel throws). */
  abort(): void {
    for (const info of this.owned) this.backend.disposeData(info.dataId);
    this.owned.length = 0;
  }

  /** Uploads values as a new intermediate. */
  write(
    shape: number[],
    dtype: 'int32' | 'float32',
    values: Int32Array | Float32Array,
  ): TensorInfo {
    const info: TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.owned.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Transposes, or only reshapes when the permutation keeps the memory order (size-1 axes). */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const outShape = perm.map((p) => x.shape[p]);
    const moved = perm.filter((p) => x.shape[p] !== 1);
    if (moved.every((p, i) => i === 0 || moved[i - 1] < p)) return this.reshape(x, outShape);
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /** Pads with zeros where `paddings` is positive and crops where it is negative. */
  padOrCrop(x: TensorInfo, paddings: Pair[]): TensorInfo {
    const begin = paddings.map(([before]) => Math.max(0, -before));
    const size = paddings.map(
      ([before, after], i) => x.shape[i] + Math.min(0, before) + Math.min(0, after),
    );
    const cropped = this.slice(x, begin, size);
    const pads = paddings.map(([before, after]): Pair => [Math.max(0, before), Math.max(0, after)]);
    if (pads.every(([before, after]) => before === 0 && after === 0)) return cropped;
    return this.run('PadV2', { x: cropped }, { paddings: pads, constantValue: 0 });
  }

  /** Inserts stride - 1 zeros after every row and column of an NHWC tensor (for transposed convs). */
  upsampleWithZeros(x: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
    if (strideHeight === 1 && strideWidth === 1) return x;
    const [batch, height, width, channels] = x.shape;
    const x6 = this.reshape(x, [batch, height, 1, width, 1, channels]);
    const paddings = [
      [0, 0],
      [0, 0],
      [0, strideHeight - 1],
      [0, 0],
      [0, strideWidth - 1],
      [0, 0],
    ];
    const padded = this.run('PadV2', { x: x6 }, { paddings, constantValue: 0 });
    return this.reshape(padded, [batch, height * strideHeight, width * strideWidth, channels]);
  }

  sum(x: TensorInfo, axis: number): TensorInfo {
    if (x.shape[axis] === 1)
      return this.reshape(
        x,
        x.shape.filter((_, i) => i !== axis),
      );
    return this.run('Sum', { x }, { axis: [axis], keepDims: false });
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }
}

/** The wasm backend's direct heap access (public methods of BackendWasm), when available. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function wasmHeap(backend: unknown): WasmHeap | null {
  const b = backend as Partial<WasmHeap>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function'
    ? (b as WasmHeap)
    : null;
}

function readFloats(backend: unknown, info: TensorInfo): Float32Array {
  return (backend as KernelBackend).readSync(info.dataId) as Float32Array;
}

/** Runs `body` in a fresh scope; frees the intermediates whether it succeeds or throws. */
function withScope(backend: unknown, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as KernelBackend);
  try {
    return scope.finish(body(scope));
  } catch (err) {
    scope.abort();
    throw err;
  }
}

/**
 * For one spatial axis of a forward convolution, the padding (positive) or cropping (negative) to
 * apply to the input before and after so that its extent is exactly what the outputs read:
 * (out - 1) * stride + (filter - 1) * dilation + 1.
 */
function inputWindow(
  inSize: number,
  outSize: number,
  filter: number,
  stride: number,
  dilation: number,
  padBefore: number,
): Pair {
  const needed = (outSize - 1) * stride + (filter - 1) * dilation + 1;
  return [padBefore, needed - padBefore - inSize];
}

/** Splits a pad-or-crop pair into explicit conv padding and the cropping the conv cannot do. */
function splitPads(p: Pair): { pad: Pair; crop: Pair } {
  return {
    pad: [Math.max(0, p[0]), Math.max(0, p[1])],
    crop: [Math.min(0, p[0]), Math.min(0, p[1])],
  };
}

/**
 * Shared core of both filter gradients: crops x where the forward conv never read it, and returns
 * it with the explicit padding that restores the forward pass's view of it.
 */
function windowInput(
  scope: KernelScope,
  x: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): { x: TensorInfo; pad: ExplicitPad } | null {
  const rows = splitPads(
    inputWindow(
      info.inHeight,
      info.outHeight,
      info.filterHeight,
      info.strideHeight,
      info.dilationHeight,
      info.padInfo.top,
    ),
  );
  const cols = splitPads(
    inputWindow(
      info.inWidth,
      info.outWidth,
      info.filterWidth,
      info.strideWidth,
      info.dilationWidth,
      info.padInfo.left,
    ),
  );
  const croppedHeight = info.inHeight + rows.crop[0] + rows.crop[1];
  const croppedWidth = info.inWidth + cols.crop[0] + cols.crop[1];
  if (croppedHeight <= 0 || croppedWidth <= 0 || info.outHeight <= 0 || info.outWidth <= 0)
    return null;
  const cropped = scope.padOrCrop(x, [[0, 0], rows.crop, cols.crop, [0, 0]]);
  return { x: cropped, pad: [[0, 0], rows.pad, cols.pad, [0, 0]] };
}

/**
 * Padding (split into what the conv pads and what must be cropped first) that turns the zero-upsampled
 * output gradient of a forward conv into the input of a stride-1 correlation with the flipped filter
 * whose output is exactly the forward input: dx[y] = Σ_k up[y + pad - (kh-1-k)·d] · w[k], so up is
 * padded by (kh-1)·d - pad before and by whatever makes the output inHeight long after.
 */
function transposedConvPads(
  info: tf.backend_util.Conv2DInfo,
  up: TensorInfo,
): { rows: ReturnType<typeof splitPads>; cols: ReturnType<typeof splitPads> } {
  const beforeRows = (info.filterHeight - 1) * info.dilationHeight - info.padInfo.top;
  const beforeCols = (info.filterWidth - 1) * info.dilationWidth - info.padInfo.left;
  const afterRows =
    info.inHeight + (info.filterHeight - 1) * info.dilationHeight - beforeRows - up.shape[1];
  const afterCols =
    info.inWidth + (info.filterWidth - 1) * info.dilationWidth - beforeCols - up.shape[2];
  return { rows: splitPads([beforeRows, afterRows]), cols: splitPads([beforeCols, afterCols]) };
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs & {
    dilations?: number | [number, number];
  };
  return withScope(backend, (scope) => {
    const dataFormat = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      a.filterShape,
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      false,
      dataFormat,
    );
    let xs = x;
    let dys = dy;
    if (dataFormat === 'channelsFirst') {
      xs = scope.transpose(x, [0, 2, 3, 1]);
      dys = scope.transpose(dy, [0, 2, 3, 1]);
    }
    const window = windowInput(scope, xs, info);
    if (window == null) return scope.zeros(info.filterShape);
    const { filterHeight, filterWidth, inChannels, outChannels } = info;
    const patchSize = filterHeight * filterWidth * inChannels;
    if (patchSize <= IM2COL_MAX_PATCH) {
      // Few input channels (typically the first layer): extract the patches with a Conv2D whose
      // filter is the identity, P [n, kh·kw·ci] with n = b·oh·ow, then dW = Pᵀ·dy as one XNNPACK
      // fully-connected product (it packs dy faster than Conv2D packs a filter of the same size).
      const identity = new Float32Array(patchSize * patchSize);
      for (let k = 0; k < patchSize; k++) identity[k * patchSize + k] = 1;
      const eye = scope.write(
        [filterHeight, filterWidth, inChannels, patchSize],
        'float32',
        identity,
      );
      const patches = scope.run(
        'Conv2D',
        { x: window.x, filter: eye },
        {
          strides: [info.strideHeight, info.strideWidth],
          dilations: [info.dilationHeight, info.dilationWidth],
          pad: window.pad,
          dataFormat: 'NHWC',
        },
      );
      const n = info.batchSize * info.outHeight * info.outWidth;
      const patchesT = scope.transpose(scope.reshape(patches, [n, patchSize]), [1, 0]);
      const product = scope.run(
        'BatchMatMul',
        {
          a: scope.reshape(patchesT, [1, patchSize, n]),
          b: scope.reshape(dys, [1, n, outChannels]),
        },
        { transposeA: false, transposeB: false },
      );
      return scope.reshape(product, info.filterShape);
    }
    // [b, h, w, ci] -> [ci, h, w, b]: input channels become the batch, the batch the channels.
    const xT = scope.transpose(window.x, [3, 1, 2, 0]);
    // [b, oh, ow, co] -> [oh, ow, b, co]: dy becomes the filter, contracting over b.
    const dyT = scope.transpose(dys, [1, 2, 0, 3]);
    const conv = scope.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: window.pad,
        dataFormat: 'NHWC',
      },
    );
    // [ci, kh, kw, co] -> [kh, kw, ci, co]
    return scope.transpose(conv, [1, 2, 0, 3]);
  });
};

const depthwiseConv2dNativeBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  return withScope(backend, (scope) => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      a.filterShape,
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const window = windowInput(scope, x, info);
    if (window == null) return scope.zeros(info.filterShape);
    const [batch, height, width, channels] = window.x.shape;
    const multiplier = info.outChannels / info.inChannels;
    // [b, h, w, c] -> [1, h, w, c·b]: one image whose channels are the (channel, example) pairs.
    const xT = scope.reshape(scope.transpose(window.x, [1, 2, 3, 0]), [
      1,
      height,
      width,
      channels * batch,
    ]);
    // [b, oh, ow, c·m] -> [oh, ow, c·b, m]
    const dy5 = scope.reshape(dy, [batch, info.outHeight, info.outWidth, channels, multiplier]);
    const dyT = scope.reshape(scope.transpose(dy5, [1, 2, 3, 0, 4]), [
      info.outHeight,
      info.outWidth,
      channels * batch,
      multiplier,
    ]);
    const conv = scope.run(
      'DepthwiseConv2dNative',
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: window.pad,
        dataFormat: 'NHWC',
      },
    );
    // [1, kh, kw, c·b·m] -> [kh, kw, c, b, m] -> Σ_b
    const perExample = scope.reshape(conv, [
      info.filterHeight,
      info.filterWidth,
      channels,
      batch,
      multiplier,
    ]);
    return scope.sum(perExample, 3);
  });
};

const depthwiseConv2dNativeBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  return withScope(backend, (scope) => {
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as Shape4,
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } =
      info;
    if (outHeight <= 0 || outWidth <= 0) return scope.zeros(info.inShape);
    const multiplier = outChannels / inChannels;
    const up = scope.upsampleWithZeros(dy, strideHeight, strideWidth);
    const { rows, cols } = transposedConvPads(info, up);
    const upCropped = scope.padOrCrop(up, [[0, 0], rows.crop, cols.crop, [0, 0]]);
    const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
    const filterT = scope.reshape(flipped, [filterHeight, filterWidth, outChannels, 1]);
    const conv = scope.run(
      'DepthwiseConv2dNative',
      { x: upCropped, filter: filterT },
      {
        strides: [1, 1],
        dilations: [dilationHeight, dilationWidth],
        pad: [[0, 0], rows.pad, cols.pad, [0, 0]],
        dataFormat: 'NHWC',
      },
    );
    if (multiplier === 1) return conv;
    // [b, h, w, c·m] -> [b, h, w, c, m] -> Σ_m
    return scope.sum(
      scope.reshape(conv, [batchSize, inHeight, inWidth, inChannels, multiplier]),
      4,
    );
  });
};

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  return withScope(backend, (scope) => {
    if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
      throw new Error(
        `wasm UnsortedSegmentSum supports 1-D segmentIds as long as x's first axis; got segmentIds ` +
          `${JSON.stringify(segmentIds.shape)} for x ${JSON.stringify(x.shape)}.`,
      );
    }
    const outShape = [numSegments, ...x.shape.slice(1)];
    const ids = (backend as KernelBackend).readSync(segmentIds.dataId) as Int32Array;
    const valid: number[] = [];
    for (let i = 0; i < ids.length; i++) if (ids[i] >= 0 && ids[i] < numSegments) valid.push(i);
    // ScatterNd sums duplicates; ids outside [0, numSegments) are dropped, as on the cpu backend.
    let updates = x;
    let indices = segmentIds;
    if (valid.length === 0)
      return scope.run('Fill', {}, { shape: outShape, value: 0, dtype: x.dtype });
    if (valid.length < ids.length) {
      const rows = scope.write([valid.length], 'int32', Int32Array.from(valid));
      updates = scope.run('GatherV2', { x, indices: rows }, { axis: 0, batchDims: 0 });
      indices = scope.run('GatherV2', { x: segmentIds, indices: rows }, { axis: 0, batchDims: 0 });
    }
    const indices2D = scope.reshape(indices, [indices.shape[0], 1]);
    return scope.run('ScatterNd', { indices: indices2D, updates }, { shape: outShape });
  });
};

/**
 * Replaces the wasm backend's Conv2DBackpropInput, a plain C++ loop, by XNNPACK: a stride-1 Conv2D of
 * dy (zero-upsampled for stride > 1) with the filter flipped spatially and its channels swapped.
 */
const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  return withScope(backend, (scope) => {
    const dataFormat = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as Shape4,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      dataFormat,
    );
    if (info.outHeight <= 0 || info.outWidth <= 0) return scope.zeros(a.inputShape);
    const dyNHWC = dataFormat === 'channelsFirst' ? scope.transpose(dy, [0, 2, 3, 1]) : dy;
    const up = scope.upsampleWithZeros(dyNHWC, info.strideHeight, info.strideWidth);
    const { rows, cols } = transposedConvPads(info, up);
    const upCropped = scope.padOrCrop(up, [[0, 0], rows.crop, cols.crop, [0, 0]]);
    // [kh, kw, ci, co] -> flipped [kh, kw, co, ci]
    const flipped = scope.transpose(
      scope.run('Reverse', { x: filter }, { dims: [0, 1] }),
      [0, 1, 3, 2],
    );
    const dx = scope.run(
      'Conv2D',
      { x: upCropped, filter: flipped },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [[0, 0], rows.pad, cols.pad, [0, 0]],
        dataFormat: 'NHWC',
      },
    );
    return dataFormat === 'channelsFirst' ? scope.transpose(dx, [0, 3, 1, 2]) : dx;
  });
};

/**
 * The wasm backend runs BatchMatMul through XNNPACK only for a single matrix product without
 * transposes; Dense-layer gradients (x^T·dy, dy·W^T) fall to a scalar triple loop. Materialise the
 * transposes first so they take the XNNPACK path too.
 */
const batchMatMul: KernelFunc = (params) => {
  const { inputs, backend, attrs } = params;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  const native = nativeKernels.get('BatchMatMul')!;
  const single = (t: TensorInfo): boolean => t.shape.slice(0, -2).every((d) => d === 1);
  if (
    (!transposeA && !transposeB) ||
    !single(a) ||
    !single(b) ||
    a.dtype !== 'float32' ||
    b.dtype !== 'float32'
  ) {
    return native(params);
  }
  return withScope(backend, (scope) => {
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      perm.push(...perm.splice(-2).reverse());
      return scope.transpose(t, perm);
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    return scope.run('BatchMatMul', { a: a2, b: b2 }, { transposeA: false, transposeB: false });
  });
};

/**
 * Replaces the wasm backend's MaxPoolGrad, which gives no gradient to windows whose maximum is not
 * positive (its running maximum starts at FLT_MIN) and breaks ties towards the last element. Like the
 * cpu backend, the gradient goes to the first maximum of each window. Pure data movement, so a
 * single pass in JavaScript over the NHWC buffers.
 */
const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as Shape4,
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  const heap = wasmHeap(backend);
  // Allocate the output before taking views of the heap: an allocation may grow (and detach) it.
  const out: TensorInfo | null = heap ? heap.makeOutput(input.shape, 'float32') : null;
  const x = (heap ? heap.typedArrayFromHeap(input) : readFloats(backend, input)) as Float32Array;
  const g = (heap ? heap.typedArrayFromHeap(dy) : readFloats(backend, dy)) as Float32Array;
  const dx =
    out && heap ? (heap.typedArrayFromHeap(out) as Float32Array) : new Float32Array(x.length);
  dx.fill(0);
  const rowStride = inWidth * channels;
  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * rowStride;
    for (let yr = 0; yr < outHeight; yr++) {
      const rowCorner = yr * strideHeight - top;
      const rowStart = Math.max(0, rowCorner);
      const rowEnd = Math.min(inHeight, rowCorner + effectiveFilterHeight);
      for (let yc = 0; yc < outWidth; yc++) {
        const colCorner = yc * strideWidth - left;
        const colStart = Math.max(0, colCorner);
        const colEnd = Math.min(inWidth, colCorner + effectiveFilterWidth);
        for (let c = 0; c < channels; c++, dyIndex++) {
          // First maximum in row-major window order, as the cpu backend; NaN never wins.
          let bestValue = -Infinity;
          let bestIndex = -1;
          for (let xr = rowStart; xr < rowEnd; xr++) {
            const rowBase = xBatch + xr * rowStride + c;
            for (let xc = colStart; xc < colEnd; xc++) {
              const index = rowBase + xc * channels;
              const v = x[index];
              if (v > bestValue) {
                bestValue = v;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += g[dyIndex];
        }
      }
    }
  }
  if (out) return out;
  const dataId = (backend as KernelBackend).write(dx, input.shape, 'float32');
  return { dataId, shape: input.shape, dtype: 'float32' };
};

/** Kernels the wasm backend has but that are wrong or far slower than they need to be for training. */
const REPLACEMENTS: Array<[string, KernelFunc]> = [
  ['Conv2DBackpropInput', conv2DBackpropInput],
  ['BatchMatMul', batchMatMul],
  ['MaxPoolGrad', maxPoolGrad],
];

const KERNELS: Array<[string, KernelFunc]> = [
  ['Conv2DBackpropFilter', conv2DBackpropFilter],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dNativeBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseConv2dNativeBackpropInput],
  ['UnsortedSegmentSum', unsortedSegmentSum],
];

/**
 * Marks the kernel functions of this module, so that a second copy of it (another bundle, another
 * module instance) recognises them instead of wrapping them again.
 */
const OURS = Symbol.for('calibration-audit.wasm-gradient-kernel');

function mark(kernelFunc: KernelFunc): KernelFunc {
  const marked: KernelFunc = (params) => kernelFunc(params);
  (marked as unknown as Record<symbol, boolean>)[OURS] = true;
  return marked;
}

function isOurs(kernelFunc: KernelFunc | undefined): boolean {
  return kernelFunc != null && (kernelFunc as unknown as Record<symbol, boolean>)[OURS] === true;
}

/**
 * Makes conv nets trainable on the tfjs wasm backend. For backend 'wasm', registers the gradient
 * kernels tfjs-backend-wasm 4.22 lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput, UnsortedSegmentSum) and replaces three it has (MaxPoolGrad,
 * which is wrong, and Conv2DBackpropInput and BatchMatMul with transposes, which avoid XNNPACK and
 * are several times slower). Returns the names of the kernels registered (cumulative, so every call
 * returns the same list once nothing changes).
 *
 * Idempotent. Kernels a later tfjs-backend-wasm provides itself are left alone. Safe to call before
 * or without '@tensorflow/tfjs-backend-wasm' being imported: the missing kernels are registered by
 * backend name and look the wasm kernels up when they run; the replacements need the wasm kernels
 * they replace, so they are only made once the package is imported (call again after importing it).
 */
export function registerWasmGradientKernels(): string[] {
  for (const [kernelName, kernelFunc] of KERNELS) {
    const existing = tf.getKernel(kernelName, BACKEND)?.kernelFunc;
    if (existing == null) {
      tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: mark(kernelFunc) });
      registered.add(kernelName);
    } else if (isOurs(existing)) {
      registered.add(kernelName);
    }
  }
  for (const [kernelName, kernelFunc] of REPLACEMENTS) {
    const native = tf.getKernel(kernelName, BACKEND);
    if (native == null) continue;
    if (isOurs(native.kernelFunc)) {
      registered.add(kernelName);
      continue;
    }
    nativeKernels.set(kernelName, native.kernelFunc);
    tf.unregisterKernel(kernelName, BACKEND);
    // Keep the native setup: it binds the wasm function that the native kernel function calls.
    tf.registerKernel({ ...native, kernelFunc: mark(kernelFunc) });
    registered.add(kernelName);
  }
  return [...registered];
}
