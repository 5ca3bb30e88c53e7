#!/usr/bin/env node
// `npm start`: builds the app, then opens the desktop app. Where Electron's binary cannot be had
// (its download is blocked), says so in one line and starts the browser host instead.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const build = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const electron = electronBinary();
const [command, args] = electron
  ? [electron, ['.']]
  : [
      process.execPath,
      [path.join(root, 'bin/run-ts.mjs'), 'src/host/browser/serve.ts', ...process.argv.slice(2)],
    ];
if (!electron) {
  console.log(
    "Electron's binary is not available on this machine (its download failed); starting the browser host instead.",
  );
}
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));

/** The Electron binary's path, downloading it on first use as the electron package does; null if that fails. */
function electronBinary() {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 120_000,
  });
  return probe.status === 0 && probe.stdout ? probe.stdout : null;
}
