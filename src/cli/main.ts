import { writeFile } from 'node:fs/promises';
import type { AuditRequest } from '../engine/audit';
import { stringifyAuditDocument } from '../engine/audit-document';
import { DEMO_MODEL_DIR, DEMO_NAMES, DEMO_TEST_IMAGES } from '../engine/demo';
import { writePredictionsCsv } from '../engine/predictions-csv';
import { childProcessTransport, EngineClient } from '../engine/worker/engine-client';
import { APP_VERSION } from '../shared/app-version';
import { USAGE, UsageError, parseCommandLine, type AuditArgs } from './args';
import { EXIT, reportFailure } from './failure';
import { runFinetuneCommand } from './finetune';
import { runPostHoc } from './finetune-post-hoc';
import { parseFinetuneCommandLine } from './finetune-args';
import { runHistoryCommand, saveAuditTo } from './history';
import { parseHistoryCommandLine } from './history-args';
import { writeReportPdf } from './pdf';
import { createProgressBar } from './progress-bar';
import { formatSummary } from './summary';

export { EXIT };

/** Runs one command line; returns the exit code. Output goes to stdout, messages to stderr. */
export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args =
      argv[0] === 'finetune'
        ? parseFinetuneCommandLine(argv.slice(1))
        : argv[0] === 'history'
          ? parseHistoryCommandLine(argv.slice(1))
          : parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`calibration-audit: ${error.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.command === 'version') {
    process.stdout.write(`${APP_VERSION}\n`);
    return EXIT.ok;
  }
  if (args.command === 'finetune') return runFinetuneCommand(args);
  if (args.command === 'history') return runHistoryCommand(args);
  return audit(args);
}

async function audit(args: AuditArgs): Promise<number> {
  const settings = {
    bins: args.bins,
    bootstrapResamples: args.bootstrapResamples,
    seed: args.seed,
  };
  const request: AuditRequest =
    args.scoresPath !== undefined
      ? {
          scoresPath: args.scoresPath,
          labelColumn: args.labelColumn,
          classNames: args.classNames,
          ...settings,
        }
      : {
          modelPath: args.modelPath ?? DEMO_MODEL_DIR,
          dataPath: args.dataPath ?? DEMO_TEST_IMAGES,
          labelColumn: args.labelColumn,
          classNames: args.classNames,
          scaling: args.scaling,
          backend: args.backend,
          names:
            args.modelPath === undefined && args.dataPath === undefined ? DEMO_NAMES : undefined,
          ...settings,
        };
  const engine = new EngineClient(childProcessTransport());
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = process.stderr.isTTY ? createProgressBar(process.stderr) : null;
  try {
    if (args.command === 'calibrate') {
      await runPostHoc(engine, request, { jsonFile: args.jsonFile, signal: controller.signal });
      return EXIT.ok;
    }
    const result = await engine.call('audit', request, {
      signal: controller.signal,
      onProgress: (p) => progress?.update(p),
    });
    progress?.clear();
    const { document } = result;
    process.stdout.write(`${formatSummary(document)}\n`);
    if (args.jsonFile) await writeFile(args.jsonFile, stringifyAuditDocument(document) + '\n');
    if (args.predictionsFile) await writePredictionsCsv(args.predictionsFile, result);
    if (args.db !== undefined) await saveAuditTo(args.db, result, args.name);
    if (args.pdf) await writeReportPdf(engine, result, request, args.pdf);
    if (args.calibrate) {
      process.stdout.write('\n');
      await runPostHoc(engine, request, { signal: controller.signal });
    }
    if (args.failAboveEce !== undefined && document.metrics.ece.value > args.failAboveEce) {
      process.stderr.write(
        `calibration-audit: ECE ${document.metrics.ece.value.toFixed(4)} is above --fail-above-ece ${args.failAboveEce}.\n`,
      );
      return EXIT.eceAboveLimit;
    }
    return EXIT.ok;
  } catch (error) {
    progress?.clear();
    return reportFailure(error);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}
