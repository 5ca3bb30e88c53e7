import { mkdir, open, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sqlite3 from 'sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/core';
import type { AuditDocument } from '../../src/shared/audit-document';
import { openHistory } from '../../src/storage';
import { cli, type CliOutcome } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

let dir: string;
let db: string;
let first: CliOutcome;
let second: CliOutcome;
let subset: CliOutcome;

/** The first `n` samples of the demo test set as an uncompressed IDX pair in `folder`. */
async function demoSubset(folder: string, n: number): Promise<void> {
  const source = 'resources/demo/test';
  const images = gunzipSync(await readFile(path.join(source, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(await readFile(path.join(source, 't10k-labels-idx1-ubyte.gz')));
  const imageHead = Buffer.from(images.subarray(0, 16));
  imageHead.writeUInt32BE(n, 4);
  const labelHead = Buffer.from(labels.subarray(0, 8));
  labelHead.writeUInt32BE(n, 4);
  await writeFile(
    path.join(folder, 't10k-images-idx3-ubyte'),
    Buffer.concat([imageHead, images.subarray(16, 16 + n * 784)]),
  );
  await writeFile(
    path.join(folder, 't10k-labels-idx1-ubyte'),
    Buffer.concat([labelHead, labels.subarray(8, 8 + n)]),
  );
}

function verdict(stdout: string): string {
  const lines = stdout.trim().split('\n');
  return lines[lines.length - 2];
}

async function setUserVersion(file: string, version: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const connection = new sqlite3.Database(file, (error) => {
      if (error) return reject(error);
      connection.exec(`PRAGMA user_version = ${version}`, (execError) => {
        connection.close((closeError) => {
          const failure = execError ?? closeError;
          if (failure) reject(failure);
          else resolve();
        });
      });
    });
  });
}

beforeAll(async () => {
  dir = await tempDir();
  db = path.join(dir, 'history.sqlite');
  first = await cli('demo', '--bootstrap', '50', '--db', db, '--name', 'first run');
  second = await cli('demo', '--bootstrap', '50', '--db', db);
  const data = path.join(dir, 'subset');
  await mkdir(data);
  await demoSubset(data, 200);
  subset = await cli(
    'audit',
    '--model',
    'resources/demo/model',
    '--data',
    data,
    '--bootstrap',
    '50',
    '--db',
    db,
  );
}, 180_000);

describe('saving runs with --db', () => {
  it('saves each run and says where', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').pop()).toBe(`Saved as audit #1 in ${db}`);
    expect(second.stdout.trim().split('\n').pop()).toBe(`Saved as audit #2 in ${db}`);
    expect(subset.code, subset.stderr).toBe(0);
    expect(subset.stdout.trim().split('\n').pop()).toBe(`Saved as audit #3 in ${db}`);
  });

  it('refuses --name without --db', async () => {
    const outcome = await cli('demo', '--name', 'x');
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--name .* needs --db FILE/);
  });
});

describe('calibration-audit history', () => {
  it('lists the saved audits, newest first, and filters them', async () => {
    const list = await cli('history', 'list', '--db', db);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+Name\s+Created\s+Model\s+Test set\s+Samples\s+Accuracy\s+ECE/);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual(['3', '2', '1']);
    expect(lines[3]).toMatch(/first run/);
    expect(lines[3]).toMatch(/10000\s+\d+\.\d\d%\s+\d+\.\d\d%\s+(tensorflow|wasm|cpu)$/);
    expect(lines[1]).toMatch(/\s200\s/);

    const document: AuditDocument = JSON.parse(
      await readFile(await showJson(1), 'utf8'),
    ) as AuditDocument;
    const filtered = await cli(
      'history',
      'list',
      '--db',
      db,
      '--data',
      document.provenance.datasetFingerprint,
    );
    expect(filtered.stdout.trim().split('\n')).toHaveLength(3);
  });

  async function showJson(id: number): Promise<string> {
    const file = path.join(dir, `show-${id}.json`);
    const outcome = await cli('history', 'show', String(id), '--json', file, '--db', db);
    expect(outcome.code, outcome.stderr).toBe(0);
    return file;
  }

  it('shows a saved audit with the same verdict as the run, without inference', async () => {
    const show = await cli('history', 'show', '1', '--db', db);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout.split('\n')[0]).toMatch(/^Audit #1: first run/);
    expect(show.stdout.trim().split('\n').pop()).toBe(verdict(first.stdout));
    expect(show.stdout).toMatch(/ECE\s+\d+\.\d\d%\s+\d+\.\d\d% – \d+\.\d\d%/);
    const document = JSON.parse(await readFile(await showJson(1), 'utf8')) as AuditDocument;
    expect(document.verdict.text).toBe(verdict(first.stdout));
    expect(document.provenance.sampleCount).toBe(10000);
  });

  it('compares two identical runs with deltas of exactly 0', async () => {
    const file = path.join(dir, 'compare.json');
    const outcome = await cli('history', 'compare', '1', '2', '--json', file, '--db', db);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^A {2}#1 first run/);
    // A difference of exactly 0 carries no sign (never "+0.00%" or "±0.00%").
    expect(outcome.stdout).toMatch(/ECE\s+0\.00%\s+0\.00% to 0\.00%/);
    const comparison = JSON.parse(await readFile(file, 'utf8')) as {
      sampleCount: number;
      deltas: Record<string, { value: number; ci95: [number, number] }>;
    };
    expect(comparison.sampleCount).toBe(10000);
    for (const name of METRIC_NAMES) {
      expect(comparison.deltas[name], name).toEqual({ value: 0, ci95: [0, 0] });
    }
  }, 60_000);

  it('refuses to compare audits of different test sets, naming both', async () => {
    const outcome = await cli('history', 'compare', '1', '3', '--db', db);
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(db);
    expect(lines[0]).toMatch(/audit #1 "first run".*audit #3 .*different test sets/);
  });

  it('shows the trend of one model, oldest first, from a fingerprint prefix', async () => {
    const document = JSON.parse(await readFile(await showJson(2), 'utf8')) as AuditDocument;
    const prefix = document.provenance.modelFingerprint.slice(0, 12);
    const outcome = await cli('history', 'trend', prefix, '--db', db);
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = outcome.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+Created\s+Test set\s+Accuracy\s+ECE\s+NLL$/);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual(['1', '2', '3']);
    expect(lines[1]).toMatch(/\d+\.\d\d% \(\d+\.\d\d% – \d+\.\d\d%\)\s+\d+\.\d{4} \(/);
  });

  it('renames and deletes audits', async () => {
    const rename = await cli('history', 'rename', '2', 'second run', '--db', db);
    expect(rename.code, rename.stderr).toBe(0);
    const remove = await cli('history', 'delete', '3', '--db', db);
    expect(remove.code, remove.stderr).toBe(0);
    const list = await cli('history', 'list', '--db', db);
    const lines = list.stdout.trim().split('\n').slice(1);
    expect(lines.map((line) => line.trim().split(/\s+/)[0])).toEqual(['2', '1']);
    expect(lines[0]).toMatch(/^\s*2\s+second run\s/);
    const missing = await cli('history', 'show', '3', '--db', db);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `calibration-audit: ${db}: has no audit #3; it may have been deleted.`,
    );
  });

  it('exits 2 on a malformed history command', async () => {
    for (const args of [
      ['history'],
      ['history', 'frobnicate'],
      ['history', 'show'],
      ['history', 'show', 'one'],
      ['history', 'compare', '1'],
      ['history', 'list', '--json', 'x.json'],
    ]) {
      const outcome = await cli(...args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toMatch(/Usage:/);
    }
  });

  it('refuses a database from a newer version with one line naming the file', async () => {
    const file = path.join(dir, 'newer.sqlite');
    expect((await cli('history', 'list', '--db', file)).stdout).toMatch(/No audits/);
    await setUserVersion(file, 999);
    const outcome = await cli('history', 'list', '--db', file);
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `calibration-audit: ${file}: was written by a newer version of Calibration Audit (schema 999); this version knows up to 1. Update Calibration Audit to open it.`,
    );
  });

  it('refuses a file that is not SQLite, even from a read command, and leaves it as it is', async () => {
    for (const [name, bytes] of [
      ['notes.txt', Buffer.from('notes\n')],
      ['damaged.sqlite', Buffer.alloc(4096, 7)],
    ] as const) {
      const folder = path.join(dir, `not-sqlite-${name}`);
      await mkdir(folder);
      const file = path.join(folder, name);
      await writeFile(file, bytes);
      for (const args of [['list'], ['rename', '1', 'x']]) {
        const outcome = await cli('history', ...args, '--db', file);
        expect(outcome.code, outcome.stderr).toBe(1);
        const lines = outcome.stderr.trim().split('\n');
        expect(lines).toEqual([
          `calibration-audit: ${file}: is not a SQLite database, so not a Calibration Audit history; it was left as it is. Choose another file.`,
        ]);
        expect(Buffer.compare(await readFile(file), bytes)).toBe(0);
        expect(await readdir(folder)).toEqual([name]);
      }
    }
  });

  it('reports a damaged history to a read command; a command that writes moves it aside', async () => {
    const folder = path.join(dir, 'damaged-own');
    await mkdir(folder);
    const file = path.join(folder, 'history.sqlite');
    const history = await openHistory(file);
    await history.close();
    const handle = await open(file, 'r+');
    await handle.write(Buffer.alloc(4096, 0xee), 0, 4096, 4096);
    await handle.close();
    const before = await readFile(file);

    const list = await cli('history', 'list', '--db', file);
    expect(list.code, list.stderr).toBe(1);
    expect(list.stderr.trim().split('\n')).toEqual([
      `calibration-audit: ${file}: is damaged; it was left as it is. Saving to it (or opening the app on it) moves it aside and starts a fresh history.`,
    ]);
    expect(Buffer.compare(await readFile(file), before)).toBe(0);
    expect(await readdir(folder)).toEqual(['history.sqlite']);

    const rename = await cli('history', 'rename', '1', 'x', '--db', file);
    expect(rename.stderr.trim().split('\n')[0]).toMatch(
      new RegExp(`^calibration-audit: ${file} was damaged; it was moved to `),
    );
    expect((await readdir(folder)).sort()).toEqual(
      expect.arrayContaining([
        'history.sqlite',
        expect.stringMatching(/^history\.sqlite\.corrupt-/),
      ]),
    );
  });
});

describe('finetune --db', () => {
  it('saves the fine-tune and lists it', async () => {
    const file = path.join(dir, 'finetunes.sqlite');
    const run = await cli(
      'finetune',
      '--demo',
      '--alpha',
      '0.1',
      '--epochs',
      '1',
      '--bootstrap',
      '20',
      '--db',
      file,
      '--name',
      'tiny smoothing',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toBe(`Saved as fine-tune #1 in ${file}`);
    const list = await cli('history', 'list', '--db', file);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toBe(`No audits in ${file}.`);
    expect(lines[2]).toMatch(/^ID\s+Fine-tune\s+Created\s+Model\s+Alpha\s+Epochs\s+ECE original/);
    expect(lines[3]).toMatch(
      /^\s*1\s+tiny smoothing\s.*\s0\.1\s+1\s+\d+\.\d\d%\s+\d+\.\d\d%\s+\d+\.\d\d%\s+(tensorflow|wasm|cpu)$/,
    );
  }, 120_000);
});
