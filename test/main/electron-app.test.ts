import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { PHOTO_CLASSES, saveTinyImageModel, writePhotoFolder } from '../helpers/tiny-image-model';
import { launchApp, pdfText, ROOT, xDisplay } from '../helpers/electron-app';
import { saveTinyModel } from '../helpers/tiny-models';

const SPECIES = ['setosa', 'versicolor', 'virginica'];

/**
 * The built app in a real Electron window (under Xvfb where there is no display): the sandboxed
 * renderer, the preload's bridge, IPC to the main process, the engine in its utility process on the
 * fastest backend that loads, the history in the user-data folder, and Export PDF through printToPDF.
 */
const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');
const DEMO_MODEL = path.join(ROOT, 'resources/demo/model');
const DEMO_TEST = path.join(ROOT, 'resources/demo/test');
const VERDICT = /^Overconfident: 93\.8% mean confidence, 91\.5% accuracy, ECE 2\.3%/;

let display: Awaited<ReturnType<typeof xDisplay>>;
let userData: string;
let app: ElectronApplication;
let page: Page;

async function start(): Promise<void> {
  app = await launchApp(display.display, userData);
  page = await app.firstWindow();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.getByTestId('start-view').waitFor({ timeout: 60_000 });
}

async function stop(): Promise<void> {
  await app?.close();
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `electron-${name}.png`), fullPage: true });
}

/**
 * Drops files on the drop zone as the OS gives them to Electron: File objects that carry their path.
 * Playwright's setInputFiles makes exactly such Files (backed by the files on disk); they are then
 * dropped through a real DataTransfer.
 */
async function dropFromDisk(selector: string, files: string[]): Promise<void> {
  const input = await page.evaluateHandle(() => {
    const element = document.createElement('input');
    element.type = 'file';
    element.multiple = true;
    element.style.display = 'none';
    document.body.append(element);
    return element;
  });
  await input.asElement()!.setInputFiles(files);
  const transfer = await page.evaluateHandle((element) => {
    const data = new DataTransfer();
    for (const file of Array.from((element as HTMLInputElement).files ?? [])) data.items.add(file);
    element.remove();
    return data;
  }, input);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, type, { dataTransfer: transfer });
  }
}

async function waitForVerdict(): Promise<string> {
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor({ timeout: 120_000 });
  return (await verdict.textContent())?.trim() ?? '';
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  display = await xDisplay();
  userData = await tempDir('calibration-audit-electron-');
  await start();
}, 120_000);

afterAll(async () => {
  await stop();
  display?.close();
});

describe('the app in a real Electron window', () => {
  it('shows the start view, with the engine backend in the header', async () => {
    const backend = page.getByTestId('engine-backend');
    await backend.waitFor({ timeout: 60_000 });
    // setup-native gives the native backend wherever tests run; the header must say it is in use.
    expect(await backend.getAttribute('data-backend')).toBe('tensorflow');
    expect(await backend.textContent()).toMatch(/native TensorFlow/);
    await shot('start');
  });

  it('gives the page the typed bridge and nothing of Node, in a sandbox with context isolation', async () => {
    const globals = await page.evaluate(() => ({
      bridge: typeof (window as unknown as { calibrationAudit?: unknown }).calibrationAudit,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      module: typeof (window as unknown as { module?: unknown }).module,
    }));
    expect(globals).toEqual({
      bridge: 'object',
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
    });
    const preferences = await app.evaluate(({ BrowserWindow }) => {
      // getLastWebPreferences: Electron 22 (the runtime these machines have) to 31.
      const contents = BrowserWindow.getAllWindows()[0].webContents as unknown as {
        getLastWebPreferences(): Electron.WebPreferences;
      };
      const prefs = contents.getLastWebPreferences();
      return {
        sandbox: prefs.sandbox,
        contextIsolation: prefs.contextIsolation,
        nodeIntegration: prefs.nodeIntegration,
        webSecurity: prefs.webSecurity,
      };
    });
    expect(preferences).toEqual({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
    });
  });

  it('blocks an injected inline script with its Content-Security-Policy', async () => {
    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; violated: string | null }>((resolve) => {
          let violated: string | null = null;
          document.addEventListener('securitypolicyviolation', (event) => {
            violated = event.violatedDirective;
          });
          const script = document.createElement('script');
          script.textContent = 'window.__injected = true;';
          document.body.append(script);
          setTimeout(
            () =>
              resolve({
                ran: (window as unknown as { __injected?: boolean }).__injected === true,
                violated,
              }),
            300,
          );
        }),
    );
    expect(outcome.ran).toBe(false);
    expect(outcome.violated).toMatch(/^script-src/);
  });

  it('audits a model folder and a test set dropped from disk, on the native engine, to a verdict', async () => {
    await dropFromDisk('[data-testid=drop-model]', [
      path.join(DEMO_MODEL, 'model.json'),
      path.join(DEMO_MODEL, 'group1-shard1of1.bin'),
    ]);
    await page.getByTestId('model-summary').waitFor();
    expect(await page.getByTestId('model-summary').textContent()).toMatch(/Fashion-MNIST CNN/);
    await dropFromDisk('[data-testid=drop-test-set]', [
      path.join(DEMO_TEST, 't10k-images-idx3-ubyte.gz'),
      path.join(DEMO_TEST, 't10k-labels-idx1-ubyte.gz'),
    ]);
    await page.getByTestId('test-set-summary').waitFor();
    expect(await page.getByTestId('test-set-summary').textContent()).toMatch(/10,000/);
    await shot('start-loaded');
    await page.getByTestId('run-audit').click();
    expect(await waitForVerdict()).toMatch(VERDICT);
    await shot('audit');
    const backend = await page.evaluate(async () => {
      const api = (
        window as unknown as {
          calibrationAudit: { engineBackend(): Promise<{ name: string }> };
        }
      ).calibrationAudit;
      return (await api.engineBackend()).name;
    });
    expect(backend).toBe('tensorflow');
  }, 180_000);

  it('opens only what was dropped or chosen: a path the page merely names is refused', async () => {
    const refusal = await page.evaluate(async () => {
      const api = (
        window as unknown as {
          calibrationAudit: {
            inspectModel(input: { path: string; label: string }): Promise<unknown>;
          };
        }
      ).calibrationAudit;
      try {
        await api.inspectModel({ path: '/etc', label: 'etc' });
        return 'opened';
      } catch (error) {
        return String((error as Error).message);
      }
    });
    expect(refusal).toMatch(/was not opened in this window/);
  });

  it('exports the audit as a PDF through printToPDF, holding the verdict', async () => {
    const target = path.join(await tempDir('calibration-audit-electron-pdf-'), 'audit.pdf');
    await app.evaluate(({ dialog }, file) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: file })) as never;
    }, target);
    await page.getByTestId('export-pdf').click();
    await page.getByTestId('export-pdf-result').waitFor({ timeout: 120_000 });
    expect(existsSync(target)).toBe(true);
    expect(statSync(target).size).toBeGreaterThan(10_000);
    const text = pdfText(target).replace(/\s+/g, ' ');
    expect(text).toMatch(/Overconfident: 93\.8% mean confidence, 91\.5% accuracy/);
  }, 180_000);

  it('saves nothing and shows no error when Export PDF is cancelled in its dialog', async () => {
    await app.evaluate(({ dialog }) => {
      const state = globalThis as unknown as { saveDialogs: number };
      state.saveDialogs = 0;
      dialog.showSaveDialog = (async () => {
        state.saveDialogs++;
        return { canceled: true, filePath: '' };
      }) as never;
    });
    await page.getByTestId('export-pdf').click();
    await expect
      .poll(() =>
        app.evaluate(() => (globalThis as unknown as { saveDialogs: number }).saveDialogs),
      )
      .toBe(1);
    await expect.poll(() => page.getByTestId('export-pdf').isEnabled()).toBe(true);
    expect(await page.getByTestId('export-pdf-error').count()).toBe(0);
    // The earlier export's line goes; a cancelled one says nothing.
    expect(await page.getByTestId('export-pdf-result').count()).toBe(0);
  });

  it('refuses IPC from any other window, even one with the same preload and page', async () => {
    const preload = path.join(ROOT, 'out/preload/index.cjs');
    const refused = await app.evaluate(async ({ BrowserWindow }, preloadFile) => {
      const main = BrowserWindow.getAllWindows()[0];
      const other = new BrowserWindow({
        show: false,
        webPreferences: { preload: preloadFile, sandbox: true, contextIsolation: true },
      });
      await other.loadURL(main.webContents.getURL());
      try {
        return (await other.webContents.executeJavaScript(
          `(async () => {
            try {
              await window.calibrationAudit.listAudits();
              return 'answered';
            } catch (error) {
              return String(error && error.message);
            }
          })()`,
        )) as string;
      } finally {
        other.destroy();
      }
    }, preload);
    expect(refused).toMatch(/Untrusted sender/);
  });

  it('shows an error when the engine process is killed mid-audit, and runs the next audit', async () => {
    await page.getByRole('button', { name: 'New audit' }).click();
    await page.getByTestId('try-demo').click();
    await page.getByTestId('running-view').waitFor();
    const pid = await app.evaluate(({ app: electronApp }) => {
      const engine = electronApp
        .getAppMetrics()
        .find((metric) => metric.type === 'Utility' && metric.name === 'Calibration Audit engine');
      return engine?.pid ?? null;
    });
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGKILL');
    const error = page.getByTestId('run-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/engine/i);
    await shot('engine-killed');
    await page.getByTestId('try-demo').click();
    expect(await waitForVerdict()).toMatch(VERDICT);
  }, 240_000);

  it('audits a dropped Keras .keras file, a legacy .h5, an ONNX model and a score file in the utility process', async () => {
    const fixtures = path.join(ROOT, 'test/fixtures/models');
    for (const [name, label] of [
      ['keras3-cnn.keras', /Keras model \(\.keras\)/],
      ['tfkeras-cnn.h5', /Keras/],
      ['onnx-cnn.onnx', /ONNX model/],
    ] as const) {
      await page.getByRole('button', { name: 'New audit' }).click();
      await page.getByTestId('start-view').waitFor();
      await dropFromDisk('[data-testid=drop-model]', [path.join(fixtures, name)]);
      await expect
        .poll(() => page.getByTestId('model-summary').textContent(), { timeout: 60_000 })
        .toMatch(label);
      await dropFromDisk('[data-testid=drop-test-set]', [
        path.join(fixtures, 'fashion-200/t10k-images-idx3-ubyte.gz'),
        path.join(fixtures, 'fashion-200/t10k-labels-idx1-ubyte.gz'),
      ]);
      await expect
        .poll(() => page.getByTestId('test-set-summary').textContent(), { timeout: 60_000 })
        .toMatch(/200/);
      await page.getByTestId('run-audit').click();
      await page.getByTestId('verdict').waitFor({ timeout: 120_000 });
    }
    await shot('audit-onnx');
    // A score file dropped alone is audited without a model (Parquet: hyparquet, bundled).
    await page.getByRole('button', { name: 'New audit' }).click();
    await page.getByTestId('start-view').waitFor();
    await dropFromDisk('[data-testid=drop-model]', [
      path.join(ROOT, 'test/fixtures/scores/scores.parquet'),
    ]);
    await page.getByTestId('verdict').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('scores-card').textContent()).toMatch(/scores\.parquet/);
    await shot('audit-score-file');
  }, 300_000);

  it('audits a single CSV file dropped with a tabular model, its label column chosen in the window', async () => {
    const dir = await tempDir('calibration-audit-electron-csv-');
    const model = path.join(dir, 'iris-model');
    await saveTinyModel(model, { features: 4, classes: 3, classNames: SPECIES });
    const csv = path.join(dir, 'flowers.csv');
    const lines = ['f0,f1,species,f2,f3'];
    for (let i = 0; i < 60; i++) {
      const x = (k: number) => (((i * 7 + k * 13) % 17) / 4 - 2).toFixed(3);
      lines.push(`${x(0)},${x(1)},${SPECIES[i % 3]},${x(2)},${x(3)}`);
    }
    await writeFile(csv, `${lines.join('\n')}\n`);
    await page.getByRole('button', { name: 'New audit' }).click();
    await page.getByTestId('start-view').waitFor();
    // model.json with its shard (sorted by content: the JSON is the model), then the CSV alone.
    await dropFromDisk('[data-testid=drop-model]', [
      path.join(model, 'model.json'),
      path.join(model, 'group1-shard1of1.bin'),
    ]);
    await page.getByTestId('model-summary').waitFor({ timeout: 60_000 });
    await dropFromDisk('[data-testid=drop-test-set]', [csv]);
    await page.getByTestId('csv-preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('drop-test-set').textContent()).toMatch(/flowers\.csv/);
    expect(await page.getByTestId('run-audit').isDisabled()).toBe(true);
    await page.getByTestId('label-column').selectOption('species');
    await page.getByTestId('test-set-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('csv-mapping').textContent()).toMatch(/setosa\s*→\s*setosa\s*20/);
    await shot('start-csv');
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 120_000 });
  }, 180_000);

  it('audits a photo folder chosen from the File menu, decoding the JPEGs with sharp in the engine process', async () => {
    const work = await tempDir('calibration-audit-electron-photos-');
    const modelFolder = path.join(work, 'photo-model');
    const photos = path.join(work, 'photos');
    await saveTinyImageModel(modelFolder, Object.keys(PHOTO_CLASSES));
    await writePhotoFolder(photos);
    await page.getByRole('button', { name: 'New audit' }).click();
    await page.getByTestId('start-view').waitFor();
    await dropFromDisk('[data-testid=drop-model]', [
      path.join(modelFolder, 'model.json'),
      path.join(modelFolder, 'group1-shard1of1.bin'),
    ]);
    await page.getByTestId('model-summary').waitFor();
    // The OS folder dialog is the one thing replaced: it answers with the photo folder.
    await app.evaluate(({ dialog, Menu, BrowserWindow }, folder) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [folder] })) as never;
      const file = Menu.getApplicationMenu()?.items.find((item) => item.label === 'File');
      const open = file?.submenu?.items.find((item) => item.label === 'Open Test Set Folder...');
      open?.click(undefined, BrowserWindow.getAllWindows()[0], undefined as never);
    }, photos);
    await expect
      .poll(() => page.getByTestId('test-set-summary').textContent(), { timeout: 60_000 })
      .toMatch(/\b7\b/);
    await page.getByTestId('run-audit').click();
    // Seven photos cannot show calibration: said so, not shown as good news.
    expect(await waitForVerdict()).toMatch(
      /^Not clearly miscalibrated \(too few samples to tell\): 50\.9% mean confidence/,
    );
    expect(await page.getByTestId('verdict').getAttribute('class')).toMatch(/\bunsure\b/);
    expect(await page.getByTestId('verdict').textContent()).not.toMatch(/Well calibrated/);
    expect(await page.getByTestId('per-class-table').textContent()).toMatch(
      /space[\s\S]*earth|earth[\s\S]*space/,
    );
    await shot('audit-photo-folder');
  }, 240_000);

  it('has the File menu, whose History opens the history view', async () => {
    const labels = await app.evaluate(({ Menu }) =>
      (Menu.getApplicationMenu()?.items ?? []).flatMap((item) =>
        (item.submenu?.items ?? []).map((sub) => sub.label),
      ),
    );
    expect(labels).toEqual(
      expect.arrayContaining(['Open Model...', 'Try the Demo', 'History', 'Export PDF…']),
    );
    await app.evaluate(({ Menu, BrowserWindow }) => {
      const file = Menu.getApplicationMenu()?.items.find((item) => item.label === 'File');
      const history = file?.submenu?.items.find((item) => item.label === 'History');
      history?.click(undefined, BrowserWindow.getAllWindows()[0], undefined as never);
    });
    await page.getByTestId('history-view').waitFor();
    await page.getByTestId('history-table').waitFor();
    await shot('history-from-menu');
  });

  it('keeps the audits in history.sqlite under user data, listed again after a restart', async () => {
    expect(existsSync(path.join(userData, 'history.sqlite'))).toBe(true);
    await stop();
    await start();
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-table').waitFor();
    // The demo, the demo again after the engine was killed, the Keras, h5 and ONNX audits, the scores,
    // the photo folder, the tabular model on its CSV.
    expect(await page.getByTestId('history-row').count()).toBe(8);
    await shot('history');
  }, 120_000);
});
