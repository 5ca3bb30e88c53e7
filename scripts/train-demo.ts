/**
 * Trains the built-in demo: a small CNN on the real Fashion-MNIST training split, as a plain baseline
 * (no label smoothing, no calibration), and writes it with the real test split to resources/demo/.
 *
 *   apt-get install dataset-fashion-mnist && npm run train-demo [-- --epochs 12 --seed 1]
 *
 * Deterministic for a given seed and backend: weights are initialised from seeded initialisers and the
 * batch order comes from a seeded shuffle.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
import { openDataset } from '../src/engine/data';
import { saveLayersModel } from '../src/engine/model/save-model';
import { FASHION_MNIST_CLASSES, DEMO_MODEL_DIR, DEMO_TEST_DIR } from '../src/engine/demo';

const SOURCE = '/usr/share/datasets/fashion-mnist';
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '64' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const batchSize = Number(values['batch-size']);

const backend = await selectBackend();
console.log(`backend: ${backend.name}`);

const input = { kind: 'image' as const, height: 28, width: 28, channels: 1 as const };
const options = {
  input,
  classNames: FASHION_MNIST_CLASSES,
  numClasses: 10,
  scaling: '0-1' as const,
};
const train = await openDataset(path.join(SOURCE, 'train-images-idx3-ubyte.gz'), options);
const n = train.info.sampleCount;
const images = new Float32Array(n * 784);
const labels = new Int32Array(n);
let filled = 0;
for await (const batch of train.batches(4096)) {
  images.set(batch.x, filled * 784);
  labels.set(batch.labels, filled);
  filled += batch.count;
}
console.log(`training images: ${filled}`);

const model = buildModel(seed);
model.compile({
  optimizer: tf.train.adam(1e-3),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
const random = mulberry32(seed);
const order = Int32Array.from({ length: n }, (_, i) => i);
const xBatch = new Float32Array(batchSize * 784);
const yBatch = new Int32Array(batchSize);
for (let epoch = 1; epoch <= epochs; epoch++) {
  shuffle(order, random);
  const started = Date.now();
  let lossSum = 0;
  let accSum = 0;
  let steps = 0;
  for (let start = 0; start + batchSize <= n; start += batchSize) {
    for (let j = 0; j < batchSize; j++) {
      const i = order[start + j];
      xBatch.set(images.subarray(i * 784, (i + 1) * 784), j * 784);
      yBatch[j] = labels[i];
    }
    const [loss, acc] = tf.tidy(() => {
      const x = tf.tensor4d(xBatch, [batchSize, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(yBatch, 'int32'), 10);
      return [x, y];
    }) as [tf.Tensor, tf.Tensor];
    const result = (await model.trainOnBatch(loss, acc)) as number[];
    loss.dispose();
    acc.dispose();
    lossSum += result[0];
    accSum += result[1];
    steps++;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `epoch ${epoch}/${epochs}: loss ${(lossSum / steps).toFixed(4)}, accuracy ${(accSum / steps).toFixed(4)}, ${seconds.toFixed(1)} s`,
  );
}

await saveLayersModel(model, DEMO_MODEL_DIR, {
  modelName: 'Fashion-MNIST CNN (demo)',
  classNames: FASHION_MNIST_CLASSES,
  scaling: '0-1',
  training: {
    data: 'Fashion-MNIST training split (60,000 images), dataset-fashion-mnist',
    epochs,
    batchSize,
    optimizer: 'Adam, learning rate 0.001',
    loss: 'categorical cross-entropy, no label smoothing',
    seed,
    backend: backend.name,
    script: 'scripts/train-demo.ts',
  },
});
await mkdir(DEMO_TEST_DIR, { recursive: true });
for (const file of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
  await copyFile(path.join(SOURCE, file), path.join(DEMO_TEST_DIR, file));
}
console.log(`wrote ${DEMO_MODEL_DIR} and ${DEMO_TEST_DIR}`);

function buildModel(seed: number): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed * 100 + offset });
  return tf.sequential({
    name: 'fashion_mnist_cnn',
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array: Int32Array, random: () => number): void {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
}
