import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { RESOURCES_DIR } from '../../src/engine/demo';
import { EngineClient } from '../../src/engine/worker/engine-client';
import { AppHistory } from '../../src/host/app-history';
import { createAppService } from '../../src/host/app-service';
import { demoInputs } from '../../src/host/demo-inputs';
import { startBrowserHost, type BrowserHost } from '../../src/host/browser/server';
import { printReportPdf } from '../../src/host/pdf/print-report-pdf';
import { tempDir } from '../helpers/temp-dir';

export const RENDERER_DIR = path.resolve('out/renderer');
export const SCREENSHOTS_DIR = path.resolve('test-results/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface E2E {
  host: BrowserHost;
  browser: Browser;
  /** The history the host saves to (a fresh file per run unless one is given). */
  history: AppHistory;
  close(): Promise<void>;
}

/** The browser host on the built renderer, with a real engine, and Debian's Chromium. */
export async function startE2E(
  options: {
    historyFile?: string;
    /** The Chromium the host prints PDFs with (default: the one the tests drive). */
    pdfChromium?: string;
  } = {},
): Promise<E2E> {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error(
      'The renderer is not built: run `npm run build` (npm test does) before the end-to-end tests.',
    );
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium.`);
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const history = await AppHistory.open(
    options.historyFile ?? path.join(await tempDir('calibration-audit-e2e-'), 'history.sqlite'),
  );
  const engine = new EngineClient();
  const host = await startBrowserHost({
    rendererDir: RENDERER_DIR,
    printPdf: (report, file, pageSize) =>
      printReportPdf({
        ...report,
        file,
        pageSize,
        engine,
        rendererDir: RENDERER_DIR,
        chromiumPath: options.pdfChromium ?? CHROMIUM,
      }),
    createService: (emit, stagingDir) =>
      createAppService({ engine, demo: demoInputs(RESOURCES_DIR), emit, stagingDir, history }),
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    host,
    browser,
    history,
    async close() {
      await browser.close();
      await host.close();
      await engine.close();
      await history.close();
    },
  };
}

export async function openApp(e2e: E2E, theme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await e2e.browser.newContext({
    viewport: { width: 1360, height: 900 },
    colorScheme: theme,
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(e2e.host.url);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}
