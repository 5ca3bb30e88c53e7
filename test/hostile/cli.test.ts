/**
 * The hostile-input cases of issue 12, through the real command line: what an attacker or a careless
 * user would try, and what must happen (one line naming the file, exit 1, nothing of theirs changed).
 * The HTTP cases are in test/host/browser/server.test.ts, the service's in test/hostile/service.test.ts.
 */
import { spawnSync } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/storage';
import { cli } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';
import { saveTinyModel } from '../helpers/tiny-models';
import { syntheticAudit } from '../storage/fixtures';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await tempDir('calibration-audit-hostile-');
  model = path.join(dir, 'model');
  await saveTinyModel(model, { features: 4, classes: 2 });
});

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

describe('hostile inputs on the command line', () => {
  it('refuses a 2 GB sparse binary file named .csv from its first bytes', async () => {
    const file = path.join(dir, 'huge.csv');
    const handle = await open(file, 'w');
    await handle.truncate(2 * 2 ** 30);
    await handle.close();
    const outcome = await cli('audit', '--model', model, '--data', file);
    expect(outcome.code).toBe(1);
    expect(oneLine(outcome.stderr)).toBe(
      `calibration-audit: ${file}: holds binary data (a NUL byte at byte 0), or text saved as UTF-16, so it is not a test set this app reads (whatever its name): expected a folder of class subfolders, a CSV file or an IDX file`,
    );
  });

  it('never moves or replaces a file that is not a history, even from history list', async () => {
    for (const [name, bytes] of [
      ['n.txt', Buffer.from('notes\n')],
      ['photo.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')],
    ] as const) {
      const folder = path.join(dir, `history-${name}`);
      await mkdir(folder);
      const file = path.join(folder, name);
      await writeFile(file, bytes);
      const outcome = await cli('history', 'list', '--db', file);
      expect(outcome.code).toBe(1);
      expect(oneLine(outcome.stderr)).toMatch(/is not a SQLite database/);
      expect(Buffer.compare(await readFile(file), bytes)).toBe(0);
      expect(await readdir(folder)).toEqual([name]);
    }
  });

  it('lists a history in a read-only folder without saying that audits cannot be saved', async () => {
    const folder = path.join(dir, 'read-only-folder');
    await mkdir(folder);
    const file = path.join(folder, 'history.sqlite');
    const history = await openHistory(file);
    await history.saveAudit(syntheticAudit({ seed: 4 }), 'kept');
    await history.close();
    await chmod(dir, 0o755);
    await chmod(file, 0o444);
    await chmod(folder, 0o555);
    try {
      // Root ignores permissions: the command runs as the unprivileged user nobody then.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const result = spawnSync(
        process.execPath,
        [path.resolve('bin/calibration-audit.mjs'), 'history', 'list', '--db', file],
        { encoding: 'utf8', ...asUser },
      );
      expect(result.stderr).not.toMatch(/cannot be saved/);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/kept/);
      expect(await readdir(folder)).toEqual(['history.sqlite']);
    } finally {
      await chmod(folder, 0o755);
    }
  });

  it('names the labels found when a CSV mixes class numbers and names', async () => {
    const file = path.join(dir, 'mixed.csv');
    await writeFile(
      file,
      'label,a,b,c,d\n0,1,2,3,4\n1,1,2,3,4\nbenign,1,2,3,4\nmalignant,1,2,3,4\n',
    );
    const outcome = await cli('audit', '--model', model, '--data', file);
    expect(outcome.code).toBe(1);
    expect(oneLine(outcome.stderr)).toBe(
      `calibration-audit: ${file}: labels "benign", "malignant" are not among the model's classes (the model has 2 classes, numbered 0 to 1), while the other 2 are; the labels mix class numbers ("0", "1") and names ("benign", "malignant"): use one kind`,
    );
  });

  it('refuses a weight shard that links outside the model folder', async () => {
    const linked = path.join(dir, 'linked-model');
    await mkdir(linked);
    for (const name of await readdir(model))
      await copyFile(path.join(model, name), path.join(linked, name));
    const shard = (await readdir(linked)).find((n) => n.endsWith('.bin')) as string;
    await rename(path.join(linked, shard), path.join(dir, 'stolen.bin'));
    await symlink(path.join(dir, 'stolen.bin'), path.join(linked, shard));
    const data = path.join(dir, 'ok.csv');
    await writeFile(data, 'label,a,b,c,d\n0,1,2,3,4\n1,1,2,3,4\n');
    const outcome = await cli('audit', '--model', linked, '--data', data);
    expect(outcome.code).toBe(1);
    expect(oneLine(outcome.stderr)).toBe(
      `calibration-audit: ${path.join(linked, 'model.json')}: names the weight file './${shard}', a link to a file outside the model folder; refused.`,
    );
  });

  it('quotes at most a short escaped excerpt of a file it could not parse', async () => {
    const file = path.join(dir, 'passwd.csv');
    await writeFile(file, `${'root:x:0:0:root:/root:/bin/bash'.repeat(4)}\u001b[31m\nx\n`);
    const outcome = await cli('audit', '--model', model, '--data', file);
    expect(outcome.code).toBe(1);
    const line = oneLine(outcome.stderr);
    expect(line).toMatch(/has no label column/);
    expect(line).not.toContain('\u001b');
    expect(line.length).toBeLessThan(file.length + 250);
  });
});
