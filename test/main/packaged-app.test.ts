import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { cleanEnv, electronBinary, ROOT, xDisplay } from '../helpers/electron-app';

/**
 * The app as electron-builder packages it (the Linux `dir` target, on the same Electron runtime the
 * other tests use): the asar archive, the native addons unpacked beside it, the demo as an extra
 * resource. It starts under Xvfb and audits the demo on the native engine.
 */
let display: Awaited<ReturnType<typeof xDisplay>>;
let app: ElectronApplication;
let appDir: string;

beforeAll(async () => {
  const output = await tempDir('calibration-audit-package-');
  const runtime = path.dirname(electronBinary());
  const version = (await readFile(path.join(runtime, 'version'), 'utf8').catch(() => '')).trim();
  const runtimeArgs = version
    ? [`-c.electronDist=${runtime}`, `-c.electronVersion=${version}`]
    : [];
  const built = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      `-c.directories.output=${output}`,
      ...runtimeArgs,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  if (built.status !== 0)
    throw new Error(`electron-builder failed:\n${built.stdout}\n${built.stderr}`);
  appDir = path.join(output, 'linux-unpacked');
  display = await xDisplay();
  app = await _electron.launch({
    executablePath: path.join(appDir, 'calibration-audit'),
    args: ['--no-sandbox', `--user-data-dir=${await tempDir('calibration-audit-packaged-data-')}`],
    env: { ...cleanEnv(), DISPLAY: display.display },
    timeout: 60_000,
  });
}, 400_000);

afterAll(async () => {
  await app?.close();
  display?.close();
});

describe('the packaged Linux app (electron-builder dir target)', () => {
  it('keeps sqlite3, tfjs-node and the WebAssembly backend outside the asar archive', () => {
    const unpacked = path.join(appDir, 'resources/app.asar.unpacked/node_modules');
    expect(existsSync(path.join(appDir, 'resources/app.asar'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'sqlite3/build/Release/node_sqlite3.node'))).toBe(true);
    expect(
      existsSync(path.join(unpacked, '@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node')),
    ).toBe(true);
    expect(existsSync(path.join(appDir, 'resources/demo/model/model.json'))).toBe(true);
  });

  it('starts, runs the demo audit on the native engine to a verdict, and saves it', async () => {
    const page = await app.firstWindow();
    await page.getByTestId('start-view').waitFor({ timeout: 60_000 });
    await page.getByTestId('try-demo').click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 120_000 });
    expect((await verdict.textContent())?.trim()).toMatch(
      /^Overconfident: 93\.8% mean confidence, 91\.5% accuracy, ECE 2\.3%/,
    );
    const engine = page.getByTestId('engine-backend');
    expect({
      backend: await engine.getAttribute('data-backend'),
      fallbacks: await engine.getAttribute('title'),
    }).toMatchObject({ backend: 'tensorflow' });
    await page.screenshot({
      path: path.join(ROOT, 'test-results/screenshots/electron-packaged-audit.png'),
    });
    const packaged = await app.evaluate(({ app: electronApp }) => electronApp.isPackaged);
    expect(packaged).toBe(true);
  }, 180_000);
});
