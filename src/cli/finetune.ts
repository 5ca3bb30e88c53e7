import { writeFile } from 'node:fs/promises';
import { DEMO_MODEL_DIR, DEMO_TEST_IMAGES } from '../engine/demo';
import { stringifyFinetuneDocument } from '../engine/finetune/document-json';
import type { FinetuneProgress, FinetuneRequest } from '../engine/finetune/finetune';
import { childProcessTransport, EngineClient } from '../engine/worker/engine-client';
import { EXIT, reportFailure } from './failure';
import type { FinetuneArgs } from './finetune-args';
import { describeEpoch, formatFinetuneSummary } from './finetune-summary';
import { saveFinetuneTo } from './history';
import { writeReportPdf } from './pdf';

/** `calibration-audit finetune`: runs the fine-tune in the engine, prints the comparison. */
export async function runFinetuneCommand(args: FinetuneArgs): Promise<number> {
  const request: FinetuneRequest = {
    modelPath: args.modelPath ?? DEMO_MODEL_DIR,
    dataPath: args.dataPath ?? DEMO_TEST_IMAGES,
    trainDataPath: args.trainDataPath,
    labelColumn: args.labelColumn,
    classNames: args.classNames,
    scaling: args.scaling,
    backend: args.backend,
    alpha: args.alpha,
    epochs: args.epochs,
    batchSize: args.batchSize,
    learningRate: args.learningRate,
    layers: args.layers,
    seed: args.seed,
    bins: args.bins,
    bootstrapResamples: args.bootstrapResamples,
    exportPath: args.outDir ?? null,
    exportArm: args.exportArm,
  };
  const engine = new EngineClient(childProcessTransport());
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = createFinetuneProgress(process.stderr);
  try {
    const { document } = await engine.call('finetune', request, {
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    });
    progress.clear();
    process.stdout.write(`${formatFinetuneSummary(document)}\n`);
    if (args.jsonFile) {
      await writeFile(args.jsonFile, stringifyFinetuneDocument(document) + '\n');
    }
    if (args.db !== undefined) await saveFinetuneTo(args.db, document, args.name);
    if (args.pdf) {
      // The report opens with an audit of the original model on the whole labelled set.
      const audit = await engine.call('audit', {
        modelPath: request.modelPath,
        dataPath: request.dataPath,
        labelColumn: request.labelColumn,
        scaling: request.scaling,
        bins: request.bins,
        bootstrapResamples: request.bootstrapResamples,
        seed: request.seed,
      });
      await writeReportPdf(engine, audit, request, args.pdf, document);
    }
    return EXIT.ok;
  } catch (error) {
    progress.clear();
    return reportFailure(error);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}

/**
 * Fine-tune progress on stderr: one line per finished epoch (always, it is the training log),
 * and on a TTY a status line redrawn in place between them.
 */
function createFinetuneProgress(stream: NodeJS.WriteStream): {
  update(progress: FinetuneProgress): void;
  clear(): void;
} {
  const tty = stream.isTTY === true;
  let drawn = false;
  let lastDraw = 0;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    update(progress) {
      if (progress.completedEpoch) {
        clear();
        const run = progress.runs && progress.runs > 2 ? ` [${progress.run}/${progress.runs}]` : '';
        stream.write(`${describeEpoch(progress.completedEpoch)}${run}\n`);
        return;
      }
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      drawn = true;
      stream.write(`\r\x1b[K${status(progress)}`);
    },
    clear,
  };
}

function status(progress: FinetuneProgress): string {
  switch (progress.phase) {
    case 'loading':
      return 'Loading the model and the data...';
    case 'original':
      return 'Running the original model on the calibration and evaluation parts...';
    case 'metrics':
      return 'Computing metrics and paired bootstrap intervals...';
    case 'export':
      return 'Exporting the model...';
    case 'training': {
      const alpha = progress.alpha ?? 0;
      return `Fine-tuning α = ${alpha} (${progress.run}/${progress.runs}), epoch ${progress.epoch}/${progress.epochs}: ${progress.done ?? 0}/${progress.total ?? 0}`;
    }
  }
}
