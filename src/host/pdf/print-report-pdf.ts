/**
 * Prints the report page the app shows (`#report=<id>`, src/renderer/src/components/report) to a PDF
 * with headless Chromium: a browser host is started in-process on the built renderer, the report is
 * registered with its service, and Chromium prints the page once every chart and thumbnail is drawn.
 */
import { REPORT_FOOTER_TEMPLATE, REPORT_MARGINS_MM } from '../../shared/report-print';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditView, InputRef } from '../../shared/api';
import type { FinetuneDocument } from '../../shared/finetune-document';
import { RESOURCES_DIR } from '../../engine/demo';
import { InputError } from '../../engine/input-error';
import type { EngineClient } from '../../engine/worker/engine-client';
import { createAppService } from '../app-service';
import { demoInputs } from '../demo-inputs';
import { startBrowserHost } from '../browser/server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built renderer (`npm run build`). */
export const RENDERER_DIR = path.join(ROOT, 'out', 'renderer');

/** Where Chromium usually is, when neither the caller nor CHROMIUM_PATH says. */
const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** Flags as in the end-to-end tests: headless, nothing fetched from the network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export type ReportPageSize = 'A4' | 'Letter';

export interface PrintReportOptions {
  audit: AuditView;
  finetune?: FinetuneDocument | null;
  /** The model and test set the audit ran on (for the thumbnails of confident mistakes). */
  model?: InputRef | null;
  testSet?: InputRef | null;
  /** The PDF to write (its folder is created). */
  file: string;
  pageSize: ReportPageSize;
  /** The engine that draws thumbnails. */
  engine: EngineClient;
  /** Chromium's executable; else CHROMIUM_PATH, else the usual places. */
  chromiumPath?: string;
  /** The built renderer; out/renderer by default. */
  rendererDir?: string;
  /** How long the page may take to draw (ms). */
  timeoutMs?: number;
}

/** Prints the report of an audit (and its fine-tune, when given) to `file`. */
export async function printReportPdf(options: PrintReportOptions): Promise<void> {
  const rendererDir = options.rendererDir ?? RENDERER_DIR;
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new InputError(rendererDir, 'holds no built renderer: run `npm run build` first.');
  }
  const executablePath = findChromium(options.chromiumPath);
  const { chromium } = await import('playwright-core');

  const engine = options.engine;
  const host = await startBrowserHost({
    rendererDir,
    createService: (emit, stagingDir) =>
      createAppService({ engine, demo: demoInputs(RESOURCES_DIR), emit, stagingDir }),
  });
  try {
    // The report's own inputs (the command line's --model and --data) are what its thumbnails read.
    for (const input of [options.model, options.testSet]) {
      if (input) await host.service.grants.grant(input.path);
    }
    const reportId = host.service.registerReport({
      audit: options.audit,
      finetune: options.finetune ?? null,
      model: options.model ?? null,
      testSet: options.testSet ?? null,
    });
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({
        viewport: { width: 800, height: 1100 },
        colorScheme: 'light',
      });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${host.url}#report=${encodeURIComponent(reportId)}`);
      const timeout = options.timeoutMs ?? 60_000;
      // Selectors, not evaluated strings: the page's CSP forbids eval.
      await page
        .waitForSelector('html[data-report-ready="true"], html[data-report-error]', {
          state: 'attached',
          timeout,
        })
        .catch(() => {
          const detail = pageErrors.length ? ` (${pageErrors.join('; ')})` : '';
          throw new Error(`The report page was not drawn within ${timeout / 1000} s${detail}.`);
        });
      const failure = await page.getAttribute('html', 'data-report-error');
      if (failure !== null) throw new Error(`The report page failed: ${failure}`);
      await mkdir(path.dirname(path.resolve(options.file)), { recursive: true });
      await page.pdf({
        path: options.file,
        format: options.pageSize,
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: REPORT_FOOTER_TEMPLATE,
        margin: {
          top: `${REPORT_MARGINS_MM.top}mm`,
          bottom: `${REPORT_MARGINS_MM.bottom}mm`,
          left: `${REPORT_MARGINS_MM.left}mm`,
          right: `${REPORT_MARGINS_MM.right}mm`,
        },
      });
    } finally {
      await browser.close();
    }
  } finally {
    await host.close();
  }
}

/** The Chromium to print with, or an InputError saying what to install. */
export function findChromium(given?: string): string {
  const named = given ?? process.env.CHROMIUM_PATH;
  if (named) {
    if (existsSync(named)) return named;
    throw new InputError(
      named,
      'is not a Chromium executable: install Chromium (apt-get install chromium) or set CHROMIUM_PATH to it.',
    );
  }
  const found = CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
  if (found) return found;
  throw new InputError(
    'chromium',
    'was not found; printing a PDF needs it: apt-get install chromium, or set CHROMIUM_PATH to its executable.',
  );
}
