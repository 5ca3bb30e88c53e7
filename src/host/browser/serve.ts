/**
 * `npm run serve [-- --port N] [--db FILE]`: the browser host, keeping audits in FILE (default
 * ~/.calibration-audit/history.sqlite). Serves the built renderer and the API on 127.0.0.1
 * and prints the URL (with its per-launch token) to open in a browser.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RESOURCES_DIR } from '../../engine/demo';
import { EngineClient } from '../../engine/worker/engine-client';
import { defaultHistoryPath } from '../../storage';
import { AppHistory } from '../app-history';
import { createAppService } from '../app-service';
import { demoInputs } from '../demo-inputs';
import { printReportPdf } from '../pdf/print-report-pdf';
import { startBrowserHost } from './server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const RENDERER_DIR = path.join(ROOT, 'out', 'renderer');

const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' } } });
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`calibration-audit serve: --port must be a port number (got '${values.port}').`);
  process.exit(2);
}
if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
  console.error('calibration-audit serve: the renderer is not built; run `npm run build` first.');
  process.exit(1);
}

const history = await AppHistory.open(values.db ?? defaultHistoryPath());
if (history.status().notice) console.warn(`calibration-audit serve: ${history.status().notice}`);
const engine = new EngineClient();
const host = await startBrowserHost({
  rendererDir: RENDERER_DIR,
  port,
  printPdf: (report, file, pageSize) =>
    printReportPdf({ ...report, file, pageSize, engine, rendererDir: RENDERER_DIR }),
  createService: (emit, stagingDir) =>
    createAppService({ engine, demo: demoInputs(RESOURCES_DIR), emit, stagingDir, history }),
});
console.log(`Calibration Audit is running at ${host.url}`);
console.log(`Audits are kept in ${history.file}`);

const stop = async () => {
  await host.close();
  await engine.close();
  await history.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
