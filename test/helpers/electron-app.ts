import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { electronBinary as findElectron } from '../../bin/electron-binary.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Electron binary the tests launch: ELECTRON_PATH, else the runtime from `npm run setup-electron`,
 * else the electron package's own (downloaded by its install on machines that can).
 */
export function electronBinary(): string {
  if (process.env.ELECTRON_PATH) return process.env.ELECTRON_PATH;
  const binary = findElectron(ROOT);
  if (binary) return binary;
  throw new Error(
    "No Electron binary: the electron package's download failed and `npm run setup-electron` has not run.",
  );
}

/** An X display for the window: the one in DISPLAY, else a private Xvfb started here. */
export async function xDisplay(): Promise<{ display: string; close(): void }> {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, close: () => undefined };
  const xvfb: ChildProcess = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1400x1000x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] },
  );
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    xvfb.once('error', (error) =>
      reject(new Error(`Xvfb could not start (apt-get install xvfb): ${error.message}`)),
    );
    xvfb.stdio[3]?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with code ${code}`)));
  });
  return { display, close: () => xvfb.kill() };
}

/** The built app (out/) in a real Electron, with its own user-data folder. */
export async function launchApp(display: string, userData: string): Promise<ElectronApplication> {
  if (!existsSync(path.join(ROOT, 'out/main/index.cjs'))) {
    throw new Error('The app is not built: run `npm run build` (npm test does) first.');
  }
  return _electron.launch({
    executablePath: electronBinary(),
    args: ['--no-sandbox', `--user-data-dir=${userData}`, ROOT],
    cwd: ROOT,
    env: { ...cleanEnv(), DISPLAY: display },
    timeout: 60_000,
  });
}

/** The environment without what would turn the app into plain Node or point it at a dev server. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (key === 'ELECTRON_RUN_AS_NODE' || key === 'ELECTRON_RENDERER_URL') continue;
    if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

/** pdftotext's text of a PDF (poppler-utils). */
export function pdfText(file: string): string {
  const result = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`);
  return result.stdout;
}
