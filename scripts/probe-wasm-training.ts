/**
 * Probe for training on the tfjs wasm backend.
 *
 *   node bin/run-ts.mjs scripts/probe-wasm-training.ts [--missing] [--profile] [--fit]
 *                                                      [--samples N] [--backend cpu]
 *
 * Always: times one epoch of a Fashion-MNIST-shaped CNN (28×28×1 → Conv2D 16 3×3 same relu →
 * MaxPool 2 → Conv2D 32 3×3 same relu → MaxPool 2 → Flatten → Dense 64 relu → Dense 10; batch 64,
 * Adam, softmax cross-entropy from logits) on synthetic data, with the extra wasm gradient kernels.
 * --missing: first lists the gradient kernels common layers need that wasm lacks (before and after
 *            registering the extra kernels).
 * --profile: also prints the time spent per kernel during the epoch.
 * --fit:     trains with model.fit instead of an optimizer.minimize loop.
 * --samples: epoch size (default 10,000); the time is also reported per 10,000 samples.
 * --backend: time the epoch on another backend (e.g. cpu, for comparison).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from '../src/engine/train/wasm-gradient-kernels';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const samplesArg = args.indexOf('--samples');
const SAMPLES = samplesArg >= 0 ? Number(args[samplesArg + 1]) : 10_000;
const backendArg = args.indexOf('--backend');
const BACKEND = backendArg >= 0 ? args[backendArg + 1] : 'wasm';
const BATCH = 64;

const L = tf.layers;
const IMG: [number, number, number] = [9, 9, 3];
const head = (): tf.layers.Layer[] => [L.flatten(), L.dense({ units: 3 })];

/** Small models covering the layers whose gradients are checked for missing wasm kernels. */
const probeModels: Record<string, () => tf.LayersModel> = {
  'Conv2D same s1': () =>
    tf.sequential({
      layers: [
        L.conv2d({ inputShape: IMG, filters: 4, kernelSize: 3, padding: 'same' }),
        ...head(),
      ],
    }),
  'Conv2D valid s2 relu': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }),
        ...head(),
      ],
    }),
  'Conv2D same s2 no bias': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        ...head(),
      ],
    }),
  'DepthwiseConv2D ×2 same': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        ...head(),
      ],
    }),
  'DepthwiseConv2D s2 valid': () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid' }),
        ...head(),
      ],
    }),
  SeparableConv2D: () =>
    tf.sequential({
      layers: [
        L.dense({ inputShape: IMG, units: 3 }),
        L.separableConv2d({
          filters: 5,
          kernelSize: 3,
          depthMultiplier: 2,
          padding: 'same',
          activation: 'relu',
        }),
        ...head(),
      ],
    }),
  'MaxPool / AvgPool': () =>
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
  'Dense activations': () =>
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
        L.dense({ units: 8, activation: 'gelu' }),
        L.dense({ units: 8 }),
        L.leakyReLU(),
        L.dense({ units: 8 }),
        L.prelu(),
        L.dense({ units: 8 }),
        L.reLU({ maxValue: 6 }),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  'GlobalAveragePooling2D / GlobalMaxPooling2D': () => {
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
  'ZeroPadding / UpSampling / Cropping': () =>
    tf.sequential({
      layers: [
        L.zeroPadding2d({ inputShape: [5, 5, 3], padding: 1 }),
        L.upSampling2d({ size: [2, 2] }),
        L.cropping2D({ cropping: 1 }),
        L.conv2d({ filters: 2, kernelSize: 3 }),
        ...head(),
      ],
    }),
  Conv2DTranspose: () =>
    tf.sequential({
      layers: [
        L.conv2dTranspose({
          inputShape: [5, 5, 3],
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
        }),
        ...head(),
      ],
    }),
  'Conv1D / MaxPool1D': () =>
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

function probeStep(build: () => tf.LayersModel): void {
  tf.tidy(() => {
    const model = build();
    const shape = model.inputs[0].shape.map((d) => d ?? 4);
    const x =
      model.layers[0].getClassName() === 'Embedding'
        ? tf.randomUniform(shape, 0, 9, 'int32')
        : tf.randomNormal(shape);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const optimizer = tf.train.adam(0.01);
    optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          y,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
    );
    optimizer.dispose();
    model.dispose();
  });
}

/** Kernels run by a training step on cpu that wasm does not have, and the errors a step hits on wasm. */
async function listMissing(): Promise<void> {
  const missing = new Map<string, string[]>();
  await tf.setBackend('cpu');
  for (const [name, build] of Object.entries(probeModels)) {
    const profile = await tf.profile(() => probeStep(build));
    // Names ending in __op are op scopes with custom gradients, not kernels.
    const kernels = profile.kernels.map((k) => k.name).filter((name) => !name.endsWith('__op'));
    for (const kernel of new Set(kernels)) {
      if (tf.getKernel(kernel, 'wasm') == null)
        missing.set(kernel, [...(missing.get(kernel) ?? []), name]);
    }
  }
  await tf.setBackend('wasm');
  for (const [kernel, users] of missing)
    console.log(`  missing on wasm: ${kernel}  (${users.join('; ')})`);
  if (missing.size === 0) console.log('  no missing kernels');
  for (const [name, build] of Object.entries(probeModels)) {
    try {
      probeStep(build);
    } catch (err) {
      console.log(`  wasm training step fails: ${name}: ${(err as Error).message}`);
    }
  }
}

function buildFashionCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      L.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 64, activation: 'relu' }),
      L.dense({ units: 10 }),
    ],
  });
}

interface KernelTime {
  /** Wall time excluding kernels it called itself. */
  selfMs: number;
  calls: number;
}

/** Wraps every kernel of the backend to accumulate its own wall time (excluding nested kernel calls). */
function instrumentKernels(): Map<string, KernelTime> {
  const stats = new Map<string, KernelTime>();
  const childMs: number[] = [];
  for (const config of tf.getKernelsForBackend(BACKEND)) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    config.kernelFunc = (params) => {
      const start = performance.now();
      childMs.push(0);
      try {
        return inner(params);
      } finally {
        const total = performance.now() - start;
        const children = childMs.pop()!;
        if (childMs.length > 0) childMs[childMs.length - 1] += total;
        const s = stats.get(name) ?? { selfMs: 0, calls: 0 };
        s.selfMs += total - children;
        s.calls++;
        stats.set(name, s);
      }
    };
  }
  return stats;
}

async function timeEpoch(): Promise<void> {
  await tf.setBackend(BACKEND);
  const stats = flag('--profile') ? instrumentKernels() : null;
  const model = buildFashionCnn();
  const xs = tf.randomUniform([SAMPLES, 28, 28, 1], 0, 1, 'float32', 7);
  const labels = tf.randomUniform([SAMPLES], 0, 10, 'int32', 8);
  const ys = tf.oneHot(labels, 10).toFloat();
  labels.dispose();
  const optimizer = tf.train.adam(1e-3);
  const loss = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(yTrue, yPred) as tf.Scalar;
  const tensorsBefore = tf.memory().numTensors;
  let lastLoss = NaN;
  const start = performance.now();
  if (flag('--fit')) {
    model.compile({ optimizer, loss });
    const history = await model.fit(xs, ys, {
      batchSize: BATCH,
      epochs: 1,
      shuffle: false,
      verbose: 0,
    });
    lastLoss = history.history.loss[0] as number;
  } else {
    for (let i = 0; i < SAMPLES; i += BATCH) {
      const n = Math.min(BATCH, SAMPLES - i);
      const cost = tf.tidy((): tf.Scalar => {
        // Batches by Gather, as model.fit does: the wasm Slice kernel copies its whole input first.
        const rows = tf.range(i, i + n, 1, 'int32');
        const x = tf.gather(xs, rows);
        const y = tf.gather(ys, rows);
        return optimizer.minimize(
          () => loss(y, model.apply(x, { training: true }) as tf.Tensor),
          true,
        ) as tf.Scalar;
      });
      if (i + BATCH >= SAMPLES) lastLoss = (await cost.data())[0];
      cost.dispose();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${BACKEND} epoch (${flag('--fit') ? 'model.fit' : 'optimizer.minimize'}): ${SAMPLES} samples in ${seconds.toFixed(2)} s ` +
      `(${((seconds * 10_000) / SAMPLES).toFixed(2)} s per 10,000), last loss ${lastLoss.toFixed(4)}, ` +
      `tensors ${tensorsBefore} -> ${tf.memory().numTensors}`,
  );
  if (stats) {
    const rows = [...stats].sort((a, b) => b[1].selfMs - a[1].selfMs).slice(0, 25);
    const total = [...stats.values()].reduce((sum, s) => sum + s.selfMs, 0);
    console.log(
      `  time inside ${BACKEND} kernels: ${total.toFixed(0)} ms (self time per kernel below)`,
    );
    for (const [name, s] of rows)
      console.log(`  ${name.padEnd(36)} ${s.selfMs.toFixed(0).padStart(7)} ms  ${s.calls} calls`);
  }
  tf.dispose([xs, ys]);
  model.dispose();
  optimizer.dispose();
}

if (flag('--missing')) {
  console.log('Before registering the extra wasm gradient kernels:');
  await listMissing();
}
console.log('Registered:', registerWasmGradientKernels().join(', '));
if (flag('--missing')) {
  console.log('After:');
  await listMissing();
}
await timeEpoch();
