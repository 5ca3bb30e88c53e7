/**
 * `npm run bench`: prints one JSON document of measured speed and memory. Each measurement runs in its
 * own child process, so backends and peak memory do not leak between them.
 *
 * Targets (2-core machine): >= 2,000 images/s end to end on wasm; peak memory at 60,000 images within
 * 1.3x of that at 10,000; all metrics with 1,000 bootstrap resamples on 100,000 predictions under 2 s;
 * one fine-tuning epoch over the 10,000 demo images on wasm under 10 s. The history's save, reopen and
 * paired-comparison times are measured and reported (no target), as is fitting every post-hoc
 * calibrator on 2,500 × 10 logits (`--child calibrators`).
 *
 * Image folders (scripts/bench-photos.ts; targets from issue 11): a MobileNetV2-sized model at 224×224
 * on 1,000 photos of mixed sizes, per backend: end to end within 1.15x of predict-only; on tensorflow
 * at least as fast as PIL + Keras; peak RSS at 4x the folder within 1.2x of 1x and under 1 GB.
 * `--only image-folder` prints that row alone; `--only score-file [--samples N]` the score-file row.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditPredictions, CALIBRATORS, calibratorsFor } from '../src/core';
import { syntheticPredictions } from './synthetic-predictions';
import { writeSyntheticNpyPair } from './synthetic-score-file';
import { BootstrapHelper, auditPredictionsInParallel } from '../src/engine/parallel-bootstrap';
import { BACKENDS, type BackendName } from '../src/engine/backend';
import * as tf from '@tensorflow/tfjs';
import { runAudit } from '../src/engine/audit';
import { selectBackend } from '../src/engine/backend';
import { DEMO_MODEL_DIR, DEMO_TEST_IMAGES } from '../src/engine/demo';
import { readAllSamples } from '../src/engine/finetune/samples';
import { parseLayerSelection, prepareTrainableModel } from '../src/engine/finetune/trainable-model';
import { trainModel } from '../src/engine/finetune/training-loop';
import { loadModel } from '../src/engine/model/load-model';
import { openTestSetFor } from '../src/engine/open-test-set';
import { storedAuditView } from '../src/host/history-calls';
import { openHistory } from '../src/storage';
import { benchImageFolderChild, imageFolderRows } from './bench-photos';
import { benchThumbnails } from './bench-thumbnails';

const TRAIN_IMAGES = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const IMAGE_FOLDER_BACKENDS: BackendName[] = ['tensorflow', 'wasm'];

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    backend: { type: 'string' },
    data: { type: 'string' },
    samples: { type: 'string' },
    layers: { type: 'string' },
    model: { type: 'string' },
    only: { type: 'string' },
  },
});

if (values.child === 'audit') {
  const started = performance.now();
  const result = await runAudit({
    modelPath: DEMO_MODEL_DIR,
    dataPath: values.data ?? DEMO_TEST_IMAGES,
    backend: values.backend as BackendName,
  });
  const seconds = (performance.now() - started) / 1000;
  const images = result.document.provenance.sampleCount;
  console.log(
    JSON.stringify({
      backend: result.document.provenance.backend,
      images,
      seconds: round(seconds),
      imagesPerSecond: Math.round(images / seconds),
      inferenceSeconds: round(result.document.provenance.inferenceSeconds),
      metricsSeconds: round(result.document.provenance.metricsSeconds),
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} else if (values.child === 'finetune') {
  console.log(
    JSON.stringify(
      await benchFinetune(
        values.backend as BackendName,
        Number(values.samples ?? 10_000),
        values.layers ?? 'head',
      ),
    ),
  );
} else if (values.child === 'history') {
  console.log(JSON.stringify(await benchHistory(values.data ?? DEMO_TEST_IMAGES)));
} else if (values.child === 'scores') {
  console.log(JSON.stringify(await benchScoreFile(Number(values.samples ?? 10_000_000), 10, 1000)));
} else if (values.child === 'calibrators') {
  console.log(JSON.stringify(benchCalibrators(2500, 10)));
} else if (values.child === 'metrics') {
  console.log(JSON.stringify(await benchMetrics(100_000, 10, 1000)));
} else if (values.child === 'thumbnails') {
  console.log(JSON.stringify(await benchThumbnails()));
} else if (values.child === 'hostile') {
  console.log(JSON.stringify(await benchHostile()));
} else if (values.child === 'image-folder') {
  console.log(
    JSON.stringify(
      await benchImageFolderChild(
        values.backend as BackendName,
        values.model ?? '',
        values.data ?? '',
      ),
    ),
  );
} else if (values.only === 'score-file') {
  // `npm run bench -- --only score-file [--samples N]`: the score-file row alone.
  const args = ['--child', 'scores', ...(values.samples ? ['--samples', values.samples] : [])];
  console.log(JSON.stringify({ machine: machine(), scoreFile: child(args) }, null, 2));
} else if (values.only === 'image-folder') {
  const backends = values.backend ? [values.backend as BackendName] : IMAGE_FOLDER_BACKENDS;
  console.log(
    JSON.stringify(
      { machine: machine(), imageFolder: await imageFolderRows(child, backends) },
      null,
      2,
    ),
  );
} else {
  const report = {
    machine: machine(),
    endToEndDemoAudit: BACKENDS.map((backend) => child(['--child', 'audit', '--backend', backend])),
    // Peak memory on wasm, and the same pair natively below.
    peakMemory: {
      images10000: child(['--child', 'audit', '--backend', 'wasm']),
      images60000: child(['--child', 'audit', '--backend', 'wasm', '--data', TRAIN_IMAGES]),
    },
    metrics: child(['--child', 'metrics']),
    calibrators: child(['--child', 'calibrators']),
    // A page of 12 thumbnails asked at once from a 1,200-photo folder (target: a second or two).
    thumbnails: child(['--child', 'thumbnails']),
    // Files that cannot be what they claim, refused from their first bytes (target: < 1 s, flat memory).
    hostileInputs: child(['--child', 'hostile']),
    // A score file (labels.npy + probs.npy, 10,000,000 x 10 float32) audited without a model: every
    // metric with 1,000 bootstrap resamples on two threads (target < 60 s, peak memory well under 2 GB).
    scoreFile: child(['--child', 'scores']),
    // Saving a real demo audit to the history, reading it back as the app reopens it, and a paired
    // comparison of two audits (1,000 resamples, in the calling thread).
    history: [child(['--child', 'history']), child(['--child', 'history', '--data', TRAIN_IMAGES])],
    finetune: {
      // Samples per second of one epoch (Adam, batch 64, α = 0.1), per backend that loads.
      throughput: BACKENDS.flatMap((backend) =>
        (['head', 'all'] as const).map((layers) =>
          child([
            ...['--child', 'finetune', '--backend', backend, '--layers', layers],
            // Training every layer on the plain JS backend takes minutes per 1,000 images.
            ...['--samples', layers === 'all' ? '256' : '1024'],
          ]),
        ),
      ),
      // One epoch over the 10,000 demo images natively (tfjs-node's own gradients).
      epoch10000Native: ['head', 'all'].map((layers) =>
        child([
          ...['--child', 'finetune', '--backend', 'tensorflow', '--samples', '10000'],
          ...['--layers', layers],
        ]),
      ),
      // One epoch over the 10,000 demo images on wasm (target < 10 s).
      epoch10000Wasm: ['head', 'all'].map((layers) =>
        child([
          '--child',
          'finetune',
          '--backend',
          'wasm',
          '--samples',
          '10000',
          '--layers',
          layers,
        ]),
      ),
    },
  };
  // The photo folder: a MobileNetV2-sized model on 1,000 photos, per backend (not the plain JS one,
  // which would take minutes), and the PIL + Keras peer.
  Object.assign(report, { imageFolder: await imageFolderRows(child, IMAGE_FOLDER_BACKENDS) });
  const small = report.peakMemory.images10000 as { peakRssMiB?: number };
  const large = report.peakMemory.images60000 as { peakRssMiB?: number };
  if (small.peakRssMiB && large.peakRssMiB) {
    Object.assign(report.peakMemory, { ratio60kTo10k: round(large.peakRssMiB / small.peakRssMiB) });
  }
  console.log(JSON.stringify(report, null, 2));
}

function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

function child(args: string[]): unknown {
  try {
    const out = execFileSync(process.execPath, ['bin/run-ts.mjs', 'scripts/bench.ts', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 24,
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}');
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    const lines = stderr.trim().split('\n').filter(Boolean);
    return { unavailable: lines.find((line) => /^\w*Error: /.test(line)) ?? lines.pop() };
  }
}

/**
 * How long a 2 GiB sparse file named .csv (zeros: binary) and a CSV whose first record never ends
 * (17 M characters, no newline) take to be refused, and how much the process grows meanwhile.
 */
async function benchHostile() {
  const { openDataset } = await import('../src/engine/data');
  const { open, writeFile } = await import('node:fs/promises');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-bench-hostile-'));
  const options = {
    input: { kind: 'features' as const, size: 4 },
    numClasses: 2,
    classNames: null,
  };
  async function refusal(file: string) {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const message = await openDataset(file, options).then(
      () => 'accepted',
      (error: Error) => error.message.replace(dir, '…'),
    );
    return {
      seconds: round((performance.now() - started) / 1000),
      rssGrowthMiB: round((process.memoryUsage().rss - rss) / 2 ** 20),
      message,
    };
  }
  try {
    const sparse = path.join(dir, 'huge.csv');
    const handle = await open(sparse, 'w');
    await handle.truncate(2 * 2 ** 30);
    await handle.close();
    const endless = path.join(dir, 'endless.csv');
    await writeFile(endless, `label,a,b,c,d\n${'9'.repeat(17 * 2 ** 20)}`);
    return { sparse2GiBCsv: await refusal(sparse), endlessRecord17M: await refusal(endless) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One fine-tuning epoch of the demo model over its first `samples` test images. */
async function benchFinetune(backend: BackendName, samples: number, layers: string) {
  const choice = await selectBackend(backend);
  const model = await loadModel(DEMO_MODEL_DIR);
  const { dataset } = await openTestSetFor(model, DEMO_TEST_IMAGES);
  const data = await readAllSamples(dataset, model.info.inputShape);
  const trainable = prepareTrainableModel(model.trainable!.model, parseLayerSelection(layers));
  const tensorsBefore = tf.memory().numTensors;
  const [epoch] = await trainModel({
    trainable,
    head: 'softmax',
    inputShape: model.info.inputShape,
    data,
    rows: Int32Array.from({ length: Math.min(samples, data.labels.length) }, (_, i) => i),
    alpha: 0.1,
    epochs: 1,
    batchSize: 64,
    learningRate: 1e-3,
    seed: 0,
  });
  const tensorsAfter = tf.memory().numTensors;
  trainable.release();
  model.dispose();
  return {
    backend: choice.name,
    layers,
    trainableParameters: trainable.trainableParameters,
    samples: Math.min(samples, data.labels.length),
    epochSeconds: round(epoch.seconds),
    samplesPerSecond: Math.round(Math.min(samples, data.labels.length) / epoch.seconds),
    tensorsLeaked: tensorsAfter - tensorsBefore,
  };
}

/**
 * All metrics with their bootstrap intervals, as the engine computes them: on this thread alone, and
 * shared with the engine's bootstrap thread (started beforehand, as the engine starts it at launch).
 */
/** Fitting every post-hoc calibrator on n × K logits (the calibration part of a fine-tune). */
function benchCalibrators(n: number, k: number) {
  const predictions = syntheticPredictions(n, k, 'overconfident');
  const data = { logits: predictions.logits!, labels: predictions.labels, numClasses: k };
  return calibratorsFor(k).map((id) => {
    const started = performance.now();
    const fitted = CALIBRATORS[id].fit(data);
    return {
      calibrator: id,
      samples: n,
      classes: k,
      seconds: round((performance.now() - started) / 1000),
      summary: fitted.summary,
    };
  });
}

async function benchMetrics(n: number, k: number, resamples: number) {
  const helper = new BootstrapHelper(
    new URL('../src/engine/worker/thread-entry.mjs', import.meta.url),
  );
  const warmUp = syntheticPredictions(2000, k, 'overconfident', 2);
  await auditPredictionsInParallel(warmUp, { bootstrapResamples: 20 }, helper);
  const results = [];
  for (const model of ['overconfident', 'uncertain'] as const) {
    const predictions = syntheticPredictions(n, k, model);
    let started = performance.now();
    const report = auditPredictions(predictions, { bootstrapResamples: resamples });
    const oneThread = (performance.now() - started) / 1000;
    started = performance.now();
    await auditPredictionsInParallel(predictions, { bootstrapResamples: resamples }, helper);
    const twoThreads = (performance.now() - started) / 1000;
    results.push({
      model,
      samples: n,
      classes: k,
      resamples,
      accuracy: round(report.metrics.accuracy.value),
      secondsOneThread: round(oneThread),
      seconds: round(twoThreads),
    });
  }
  await helper.close();
  return results;
}

/**
 * Writes a synthetic score file (NumPy: labels.npy int64 + probs.npy float32; written in chunks before
 * the clock starts) and audits it as `audit --scores` does, the bootstrap shared with a second thread.
 */
async function benchScoreFile(n: number, k: number, resamples: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-bench-scores-'));
  const helper = new BootstrapHelper(
    new URL('../src/engine/worker/thread-entry.mjs', import.meta.url),
  );
  helper.start();
  try {
    await writeSyntheticNpyPair(dir, n, k);
    const bytes =
      statSync(path.join(dir, 'probs.npy')).size + statSync(path.join(dir, 'labels.npy')).size;
    const rssBefore = process.resourceUsage().maxRSS / 1024;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await runAudit(
      { scoresPath: dir, bootstrapResamples: resamples },
      { bootstrapHelper: helper },
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      format: 'npy (labels.npy int64 + probs.npy float32)',
      samples: result.document.provenance.sampleCount,
      classes: k,
      resamples,
      fileMiB: round(bytes / 2 ** 20),
      seconds: round(seconds),
      readSeconds: round(result.document.provenance.inferenceSeconds),
      metricsSeconds: round(result.document.provenance.metricsSeconds),
      // Both threads' CPU time: on a shared machine, wall-clock seconds say more about the load.
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      ece: round(result.document.metrics.ece.value),
      eceCi95: result.document.metrics.ece.ci95.map(round),
      intervalMethod: result.document.intervalMethod,
      peakRssMiBBeforeAudit: round(rssBefore),
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await helper.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The history's costs for one real audit of the demo model on `dataPath` (wasm). */
async function benchHistory(dataPath: string) {
  const result = await runAudit({ modelPath: DEMO_MODEL_DIR, dataPath, backend: 'wasm' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-bench-'));
  const file = path.join(dir, 'history.sqlite');
  const history = await openHistory(file);
  try {
    let started = performance.now();
    const a = await history.saveAudit(result, 'a');
    const saveSeconds = (performance.now() - started) / 1000;
    const b = await history.saveAudit(result, 'b');
    started = performance.now();
    storedAuditView(await history.getAudit(a));
    const reopenSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await history.compareAudits(a, b);
    const compareSeconds = (performance.now() - started) / 1000;
    await history.close();
    return {
      samples: result.document.provenance.sampleCount,
      saveSeconds: round(saveSeconds),
      reopenSeconds: round(reopenSeconds),
      compareSeconds: round(compareSeconds),
      fileMiBPerAudit: round(statSync(file).size / 2 / 2 ** 20),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
