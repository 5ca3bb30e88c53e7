/**
 * The image-folder row of `npm run bench`: a MobileNetV2-sized Layers model at 224×224 (random
 * weights) audited on a folder of 1,000 realistic photos of mixed sizes and formats, made at bench
 * time from the real photographs in test/fixtures/photos (scikit-image's sample images: crops,
 * rescales and re-encodings). Measured per backend, in child processes: the audit end to end, the
 * decode / predict split (each alone), the predict-only rate of the same model, peak RSS at 1× and
 * 4× the folder, and, when a Python with tensorflow and pillow is there, the same folder and weights
 * through PIL + Keras (`scripts/bench-peer.py`), with the ratio of the two.
 */
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { runAudit } from '../src/engine/audit';
import { selectBackend, type BackendName } from '../src/engine/backend';
import { openDataset } from '../src/engine/data';
import { chooseBatchSize } from '../src/engine/data/batch-size';
import { loadModel } from '../src/engine/model/load-model';
import { saveLayersModel } from '../src/engine/model/save-model';

const SOURCES = path.resolve(import.meta.dirname, '../test/fixtures/photos');
const SIZE = 224;
const CLASSES = 10;
export const PHOTO_COUNT = 1000;
/** Images whose outputs are compared with the Python peer's. */
const CHECKED = 100;

/** Seeded uniform numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeDivisible(v: number, divisor = 8): number {
  let next = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < 0.9 * v) next += divisor;
  return next;
}

/**
 * MobileNetV2 (α = 0.35, as Teachable Machine's image models) at 224×224, built layer for layer as
 * keras.applications.MobileNetV2(include_top=False, pooling='avg') builds it, so that Keras can take
 * the same weights in the same order, plus Teachable Machine's head (Dense 100 ReLU, Dense K softmax).
 * Random weights (seeded).
 */
export function buildMobileNetV2(classes = CLASSES, alpha = 0.35): tf.LayersModel {
  let seed = 1;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const bn = (x: tf.SymbolicTensor) =>
    tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999 }).apply(x) as tf.SymbolicTensor;
  const relu6 = (x: tf.SymbolicTensor) =>
    tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  const conv = (x: tf.SymbolicTensor, filters: number, kernelSize: number, strides = 1) =>
    tf.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
      })
      .apply(x) as tf.SymbolicTensor;
  const block = (
    input: tf.SymbolicTensor,
    expansion: number,
    stride: number,
    filters: number,
    id: number,
  ) => {
    const inChannels = input.shape[3] as number;
    const pointwise = makeDivisible(Math.trunc(filters * alpha));
    let x = input;
    if (id > 0) x = relu6(bn(conv(x, expansion * inChannels, 1)));
    if (stride === 2) {
      x = tf.layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
        })
        .apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers
      .depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        padding: stride === 2 ? 'valid' : 'same',
        useBias: false,
        depthwiseInitializer: init(),
      })
      .apply(x) as tf.SymbolicTensor;
    x = relu6(bn(x));
    x = bn(conv(x, pointwise, 1));
    if (inChannels === pointwise && stride === 1) {
      x = tf.layers.add().apply([input, x]) as tf.SymbolicTensor;
    }
    return x;
  };
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = relu6(bn(conv(input, makeDivisible(32 * alpha), 3, 2)));
  const plan: [number, number, number, number][] = [
    // expansion, stride, filters, repeats
    [1, 1, 16, 1],
    [6, 2, 24, 2],
    [6, 2, 32, 3],
    [6, 2, 64, 4],
    [6, 1, 96, 3],
    [6, 2, 160, 3],
    [6, 1, 320, 1],
  ];
  let id = 0;
  for (const [expansion, stride, filters, repeats] of plan) {
    for (let r = 0; r < repeats; r++) x = block(x, expansion, r === 0 ? stride : 1, filters, id++);
  }
  x = relu6(bn(conv(x, alpha > 1 ? makeDivisible(1280 * alpha) : 1280, 1)));
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 100, activation: 'relu', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  normaliseBatchNorm(model);
  return model;
}

/**
 * Random weights shrink the signal block after block until every image gives the same output. Set
 * each BatchNormalization's moving mean and variance to the statistics of its input on a random
 * batch (in order, so each sees the already normalised layers before it): the outputs then depend
 * on the image, as a trained model's do, and the Python peer's agreement can be checked.
 */
function normaliseBatchNorm(model: tf.LayersModel): void {
  const x = tf.randomUniform([4, SIZE, SIZE, 3], -1, 1, 'float32', 3);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const probe = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor });
    tf.tidy(() => {
      const { mean, variance } = tf.moments(probe.predict(x) as tf.Tensor, [0, 1, 2]);
      const [gamma, beta] = layer.getWeights();
      layer.setWeights([gamma, beta, mean, variance]);
    });
  }
  x.dispose();
}

/**
 * `count` photos in CLASSES class folders, each a random crop of one of the source photographs,
 * rescaled to a long side between 256 and 1,600 pixels (one in ten between 2,000 and 3,000, as from
 * a phone), and written as JPEG (84%, quality 70-95, some progressive, one in twenty stored turned
 * with an EXIF orientation), PNG (10%), WebP (4%) or GIF (2%). Seeded: the same files every run.
 */
export async function makePhotoFolder(dir: string, count = PHOTO_COUNT, seed = 11) {
  const names = (await readdir(SOURCES)).filter((f) => f.endsWith('.jpg')).sort();
  const sources = await Promise.all(names.map((f) => readFile(path.join(SOURCES, f))));
  const sizes = await Promise.all(sources.map((s) => sharp(s).metadata()));
  const next = random(seed);
  const jobs = Array.from({ length: count }, (_, i) => {
    const s = i % sources.length;
    const { width = 1, height = 1 } = sizes[s];
    const fw = 0.55 + 0.45 * next();
    const fh = 0.55 + 0.45 * next();
    const w = Math.max(16, Math.round(width * fw));
    const h = Math.max(16, Math.round(height * fh));
    const left = Math.floor((width - w) * next());
    const top = Math.floor((height - h) * next());
    const large = next() < 0.1;
    const long = Math.round(
      large
        ? 2000 + 1000 * next()
        : Math.exp(Math.log(256) + (Math.log(1600) - Math.log(256)) * next()),
    );
    const kind = next();
    const quality = Math.round(70 + 25 * next());
    const progressive = next() < 0.2;
    const turned = next() < 0.05;
    return { i, s, left, top, w, h, long, kind, quality, progressive, turned };
  });
  for (let c = 0; c < CLASSES; c++) await mkdir(path.join(dir, `class-${c}`), { recursive: true });
  let index = 0;
  let bytes = 0;
  const formats: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (index < jobs.length) {
        const job = jobs[index++];
        const scale = job.long / Math.max(job.w, job.h);
        let image = sharp(sources[job.s])
          .extract({ left: job.left, top: job.top, width: job.w, height: job.h })
          .resize(Math.max(1, Math.round(job.w * scale)), Math.max(1, Math.round(job.h * scale)));
        let ext: string;
        if (job.kind < 0.84) {
          if (job.turned) {
            image = sharp(await image.toBuffer())
              .rotate(270)
              .withMetadata({ orientation: 6 });
          }
          image = image.jpeg({ quality: job.quality, progressive: job.progressive });
          ext = 'jpg';
        } else if (job.kind < 0.94) {
          image = image.png();
          ext = 'png';
        } else if (job.kind < 0.98) {
          image = image.webp({ quality: job.quality });
          ext = 'webp';
        } else {
          image = image.gif();
          ext = 'gif';
        }
        const file = path.join(
          dir,
          `class-${job.i % CLASSES}`,
          `${String(job.i).padStart(5, '0')}.${ext}`,
        );
        const info = await image.toFile(file);
        bytes += info.size;
        formats[ext] = (formats[ext] ?? 0) + 1;
      }
    }),
  );
  return { files: count, megabytes: Math.round(bytes / 2 ** 20), formats };
}

/** `copies` copies of a photo folder, as hard links (no extra disk, distinct paths). */
export async function replicateFolder(source: string, target: string, copies: number) {
  for (const classFolder of await readdir(source)) {
    await mkdir(path.join(target, classFolder), { recursive: true });
    for (const file of await readdir(path.join(source, classFolder))) {
      for (let c = 0; c < copies; c++) {
        await link(
          path.join(source, classFolder, file),
          path.join(target, classFolder, `${c}-${file}`),
        );
      }
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * One child: audits `data` with the model on `backend` (peak RSS taken right after), then measures
 * decoding alone (the same batches, no model) and predicting alone (the same model, random inputs
 * in batches of the same size).
 */
export async function benchImageFolderChild(backend: BackendName, modelPath: string, data: string) {
  const choice = await selectBackend(backend);
  let started = performance.now();
  const result = await runAudit({ modelPath, dataPath: data, backend, bootstrapResamples: 1000 });
  const seconds = (performance.now() - started) / 1000;
  const peakRssMiB = round(process.resourceUsage().maxRSS / 1024);
  const images = result.document.provenance.sampleCount;
  // The top class and its probability for the first images, to check the Python peer against.
  const k = CLASSES;
  const first = result.samples.ids.slice(0, CHECKED).map((id, i) => {
    const p = Array.from(result.samples.probs.subarray(i * k, (i + 1) * k));
    const top = p.indexOf(Math.max(...p));
    return [id, top, round(p[top])] as const;
  });
  const inferenceSeconds = result.document.provenance.inferenceSeconds;
  const batchSize = chooseBatchSize(SIZE * SIZE * 3, choice.name);

  // Decoding alone: the same folder, the same batches, nothing predicted.
  started = performance.now();
  const dataset = await openDataset(data, {
    input: { kind: 'image', height: SIZE, width: SIZE, channels: 3 },
    classNames: null,
    numClasses: CLASSES,
    scaling: '-1-1',
    crop: 'center',
  });
  const openSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  let decoded = 0;
  for await (const batch of dataset.batches(batchSize)) decoded += batch.count;
  const decodeSeconds = (performance.now() - started) / 1000;

  // Predicting alone: the same model on random inputs, after one warm-up batch.
  const model = await loadModel(modelPath);
  const x = Float32Array.from({ length: batchSize * SIZE * SIZE * 3 }, () => Math.random() * 2 - 1);
  await model.predict(x, batchSize);
  const predictBatches = Math.max(4, Math.round(256 / batchSize));
  started = performance.now();
  for (let b = 0; b < predictBatches; b++) await model.predict(x, batchSize);
  const predictOnly = (predictBatches * batchSize) / ((performance.now() - started) / 1000);
  model.dispose();

  return {
    backend: choice.name,
    images,
    skipped: result.document.dataset.skipped.length,
    batchSize,
    endToEnd: {
      seconds: round(seconds),
      imagesPerSecond: round(images / seconds),
      openSeconds: round(seconds - inferenceSeconds - result.document.provenance.metricsSeconds),
      inferenceSeconds: round(inferenceSeconds),
      inferenceImagesPerSecond: round(images / inferenceSeconds),
      metricsSeconds: round(result.document.provenance.metricsSeconds),
    },
    alone: {
      openSeconds: round(openSeconds),
      decodeSeconds: round(decodeSeconds),
      decodeImagesPerSecond: round(decoded / decodeSeconds),
      predictImagesPerSecond: round(predictOnly),
      predictSeconds: round(images / predictOnly),
    },
    // Inference (decode overlapped with predict) over predicting alone; 1 = decoding fully hidden.
    inferenceOverPredictOnly: round(inferenceSeconds / (images / predictOnly)),
    peakRssMiB,
    first,
  };
}

function pythonPeer(): string | null {
  for (const python of ['python3', 'python']) {
    try {
      execFileSync(python, ['-c', 'import tensorflow, PIL'], { stdio: 'ignore', timeout: 120_000 });
      return python;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * The whole row: makes the model and the folders in a temp dir, runs one child per backend and
 * folder size, and the Python peer once on the same files and weights.
 */
export async function imageFolderRows(
  child: (args: string[]) => unknown,
  backends: readonly BackendName[],
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-bench-photos-'));
  try {
    await selectBackend('wasm');
    const modelPath = path.join(dir, 'model');
    const model = buildMobileNetV2();
    await saveLayersModel(model, modelPath, {
      classNames: Array.from({ length: CLASSES }, (_, c) => `class-${c}`),
      scaling: '-1-1',
      crop: 'center',
    });
    const parameters = model.countParams();
    model.dispose();
    const photos = path.join(dir, 'photos');
    const folder = await makePhotoFolder(photos);
    const photos4 = path.join(dir, 'photos-4x');
    await replicateFolder(photos, photos4, 4);
    const rows = backends.map((backend) => {
      const one = child([
        ...['--child', 'image-folder', '--backend', backend, '--model', modelPath],
        ...['--data', photos],
      ]) as { peakRssMiB?: number; endToEnd?: { seconds: number } };
      const four = child([
        ...['--child', 'image-folder', '--backend', backend, '--model', modelPath],
        ...['--data', photos4],
      ]) as { peakRssMiB?: number };
      const ratio =
        one.peakRssMiB && four.peakRssMiB ? round(four.peakRssMiB / one.peakRssMiB) : null;
      return { backend, folder1x: one, folder4x: four, peakRss4xOver1x: ratio };
    });
    const python = pythonPeer();
    let peer: unknown = { unavailable: 'no Python with tensorflow and pillow' };
    if (python) {
      try {
        const out = execFileSync(
          python,
          [path.join(import.meta.dirname, 'bench-peer.py'), '--model', modelPath, '--data', photos],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 },
        );
        peer = JSON.parse(out.trim().split('\n').pop() ?? '{}');
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? String(error);
        peer = { unavailable: stderr.trim().split('\n').pop() };
      }
    }
    // Same weights, same files: the top class should agree, the confidence nearly so.
    const measured = rows.find((row) => (row.folder1x as { first?: unknown }).first);
    const ours = (measured?.folder1x as { first?: [string, number, number][] }).first ?? [];
    const theirs = (peer as { first?: [string, number, number][] }).first ?? [];
    const pairs = ours.filter(([id], i) => theirs[i]?.[0] === id).map((row, i) => [row, theirs[i]]);
    const agreement = pairs.length
      ? {
          backend: measured?.backend,
          images: pairs.length,
          sameTopClass: pairs.filter(([a, b]) => a[1] === b[1]).length,
          maxConfidenceDifference: round(Math.max(...pairs.map(([a, b]) => Math.abs(a[2] - b[2])))),
        }
      : null;
    for (const row of rows) {
      for (const run of [row.folder1x, row.folder4x]) delete (run as { first?: unknown }).first;
    }
    delete (peer as { first?: unknown }).first;
    const peerSeconds = (peer as { endToEnd?: { seconds?: number } }).endToEnd?.seconds;
    const ratio = (key: 'inferenceSeconds' | 'seconds') =>
      Object.fromEntries(
        rows.map((row) => {
          const ours = (row.folder1x as { endToEnd?: Record<string, number> }).endToEnd?.[key];
          return [row.backend, ours && peerSeconds ? round(ours / peerSeconds) : null];
        }),
      );
    return {
      model: `MobileNetV2 alpha 0.35 at ${SIZE}x${SIZE} + Dense 100 + Dense ${CLASSES} (Teachable Machine's shape), random weights, ${parameters} parameters`,
      photos: {
        ...folder,
        source:
          'crops, rescales and re-encodings of the 7 scikit-image sample photographs in test/fixtures/photos (astronaut, camera, chelsea, coffee, hubble_deep_field, retina, rocket), made at bench time',
        fourTimes: 'the same files hard-linked 4 times under other names',
      },
      rows,
      wasmThreads:
        "single-threaded: tfjs-backend-wasm's multi-threaded build creates its worker from a blob: URL, which Node refuses (ERR_WORKER_PATH)",
      python: peer,
      // Time for the folder, project over PIL + Keras (decode + predict, one after the other):
      // the audit's inference (decode overlapped with predict), and the whole audit (also opening
      // the folder: reading and fingerprinting every file; and the metrics with 1,000 resamples).
      projectOverPython: { inference: ratio('inferenceSeconds'), wholeAudit: ratio('seconds') },
      // The first 100 images (project on the first backend measured vs Python): same top class,
      // largest difference in its probability.
      agreement,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
