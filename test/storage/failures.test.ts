import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/input-error';
import { openHistory, SCHEMA_VERSION } from '../../src/storage';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { sameBytes, syntheticAudit } from './fixtures';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const PROBE = path.join(HERE, 'children', 'open-probe.ts');

let dir: string;
/** A closed, checkpointed history holding two audits. */
let valid: string;

beforeAll(async () => {
  dir = await tempDir('calibration-audit-failures-');
  valid = path.join(dir, 'valid.sqlite');
  const history = await openHistory(valid);
  await history.saveAudit(syntheticAudit({ seed: 1 }), 'first');
  await history.saveAudit(syntheticAudit({ seed: 2 }), 'second');
  await history.close();
});

async function copyOfValid(name: string): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, 'history.sqlite');
  await copyFile(valid, file);
  return file;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('a locked database', () => {
  it('says so when another connection holds the write lock, after the busy timeout', async () => {
    const file = await copyOfValid('locked');
    const other = await Connection.open(file, false);
    await other.exec('PRAGMA journal_mode = WAL; BEGIN EXCLUSIVE');
    try {
      // WAL lets readers in: the history opens and lists; saving waits, then fails clearly.
      const history = await openHistory(file, { busyTimeoutMs: 100 });
      expect((await history.listAudits()).length).toBe(2);
      const started = performance.now();
      const error = await rejection(history.saveAudit(syntheticAudit({ seed: 3 })));
      expect(performance.now() - started).toBeLessThan(3000);
      expect(error.file).toBe(file);
      expect(error.message).toBe(
        `${file}: is locked by another program (another Calibration Audit, or a tool holding it open); close it and try again.`,
      );
      await rejection(history.renameAudit(1, 'x'));
      await other.exec('COMMIT');
      expect(await history.saveAudit(syntheticAudit({ seed: 3 }))).toBe(3);
      await history.close();
    } finally {
      await other.close();
    }
  });

  it('says so at open when another program locks the whole file', async () => {
    const file = path.join(dir, 'locked-fresh.sqlite');
    const other = await Connection.open(file, false);
    await other.exec('BEGIN EXCLUSIVE');
    try {
      const started = performance.now();
      const error = await rejection(openHistory(file, { busyTimeoutMs: 100 }));
      expect(performance.now() - started).toBeLessThan(3000);
      expect(error.message).toMatch(/is locked by another program/);
    } finally {
      await other.exec('ROLLBACK');
      await other.close();
    }
  });
});

describe('a read-only database', () => {
  it("opened with SQLite's read-only flag: reads work, saving says it is read-only", async () => {
    const file = await copyOfValid('read-only-flag');
    const before = await sha256(file);
    const history = await openHistory(file, { readOnly: true });
    try {
      expect(history.readOnly).toBe(true);
      expect((await history.listAudits()).map((a) => a.name).sort()).toEqual(['first', 'second']);
      expect((await history.getAudit(1)).samples.labels).toHaveLength(300);
      const error = await rejection(history.saveAudit(syntheticAudit({ seed: 3 })));
      expect(error.message).toBe(`${file}: is read-only; audits cannot be saved.`);
      await rejection(history.deleteAudit(1));
    } finally {
      await history.close();
    }
    expect(await sha256(file)).toBe(before);
  });

  it('refuses to open a missing file read-only', async () => {
    const error = await rejection(
      openHistory(path.join(dir, 'missing.sqlite'), { readOnly: true }),
    );
    expect(error.message).toMatch(/does not exist/);
  });

  // Root ignores file permissions, so under root the probe runs as the unprivileged user nobody.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  function probe(file: string, access?: 'read'): Record<string, unknown> {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', PROBE, file, ...(access ? [access] : [])],
      {
        cwd: ROOT,
        encoding: 'utf8',
        ...asUser,
      },
    );
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout.trim()) as Record<string, unknown>;
  }

  it('a write-protected file (chmod 0444): reads work, saving says it is read-only', async () => {
    await chmod(dir, 0o755);
    const folder = path.join(dir, 'chmod-file');
    await mkdir(folder);
    const file = path.join(folder, 'history.sqlite');
    await copyFile(valid, file);
    await chmod(folder, 0o777);
    await chmod(file, 0o444);
    expect(probe(file)).toEqual({
      readOnly: true,
      audits: 2,
      saveError: `${file}: is read-only; audits cannot be saved.`,
    });
  });

  it('a write-protected file in a write-protected folder, or a new file there', async () => {
    await chmod(dir, 0o755);
    const folder = path.join(dir, 'chmod-folder');
    await mkdir(folder);
    const file = path.join(folder, 'history.sqlite');
    await copyFile(valid, file);
    await chmod(file, 0o444);
    await chmod(folder, 0o555);
    try {
      expect(probe(file)).toEqual({ openError: `${file}: is read-only; audits cannot be saved.` });
      // A command that only reads (history list) reads it there, and never talks about saving.
      expect(probe(file, 'read')).toEqual({ readOnly: true, audits: 2 });
      expect(await readdir(folder)).toEqual(['history.sqlite']);
      const fresh = path.join(folder, 'new.sqlite');
      expect(probe(fresh)).toEqual({
        openError: `${fresh}: is read-only; audits cannot be saved.`,
      });
    } finally {
      await chmod(folder, 0o755);
    }
  });
});

describe('a damaged database', () => {
  async function damage(file: string, offset: number, length: number): Promise<Buffer> {
    const handle = await open(file, 'r+');
    await handle.write(randomBytes(length), 0, length, offset);
    await handle.close();
    return readFile(file);
  }

  for (const [where, offset, length] of [
    ['its header', 0, 100],
    ['its table pages', 2 * 4096, 3 * 4096],
    ['its per-sample BLOBs', -4 * 4096, 2 * 4096],
  ] as const) {
    it(`is moved aside and replaced by a fresh database (garbage in ${where})`, async () => {
      const file = await copyOfValid(`corrupt-${offset}`);
      const size = (await stat(file)).size;
      const garbage = await damage(file, offset < 0 ? size + offset : offset, length);
      const history = await openHistory(file);
      try {
        const aside = history.recoveredFrom;
        expect(aside).toMatch(/history\.sqlite\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
        // Never deleted: the damaged bytes are all there under the new name.
        expect(sameBytes(await readFile(aside ?? ''), garbage)).toBe(true);
        expect(await history.listAudits()).toEqual([]);
        expect(await history.saveAudit(syntheticAudit())).toBe(1);
        expect((await history.listAudits()).length).toBe(1);
      } finally {
        await history.close();
      }
      const reopened = await openHistory(file);
      expect(reopened.recoveredFrom).toBeNull();
      await reopened.close();
    });
  }

  it('is reported, not moved, when opened read-only', async () => {
    const file = await copyOfValid('corrupt-read-only');
    await damage(file, 0, 100);
    const error = await rejection(openHistory(file, { readOnly: true }));
    expect(error.message).toMatch(/is damaged/);
    expect(await readdir(path.dirname(file))).toEqual(['history.sqlite']);
  });
});

describe('a database the app must not touch', () => {
  it('refuses a database written by a newer version and leaves it as it was', async () => {
    const file = await copyOfValid('newer');
    const connection = await Connection.open(file, false);
    await connection.exec('PRAGMA user_version = 999');
    await connection.close();
    const before = await sha256(file);
    const mtime = (await stat(file)).mtimeMs;
    const error = await rejection(openHistory(file));
    expect(error.file).toBe(file);
    expect(error.message).toBe(
      `${file}: was written by a newer version of Calibration Audit (schema 999); this version knows up to ${SCHEMA_VERSION}. Update Calibration Audit to open it.`,
    );
    expect(await sha256(file)).toBe(before);
    expect((await stat(file)).mtimeMs).toBe(mtime);
    expect(await readdir(path.dirname(file))).toEqual(['history.sqlite']);
  });

  it("refuses another program's SQLite database and leaves it as it was", async () => {
    const file = path.join(dir, 'foreign.sqlite');
    const connection = await Connection.open(file, false);
    await connection.exec('CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES (1)');
    await connection.close();
    const before = await sha256(file);
    const error = await rejection(openHistory(file));
    expect(error.message).toMatch(/is a database of another program/);
    expect(await sha256(file)).toBe(before);

    const tagged = path.join(dir, 'tagged.sqlite');
    const other = await Connection.open(tagged, false);
    await other.exec('PRAGMA application_id = 1234');
    await other.close();
    await rejection(openHistory(tagged));
  });

  it('creates the folder of a new database', async () => {
    const file = path.join(dir, 'deep', 'er', 'history.sqlite');
    const history = await openHistory(file);
    await history.close();
    expect(existsSync(file)).toBe(true);
    await writeFile(path.join(dir, 'not-a-folder'), '');
    const error = await rejection(openHistory(path.join(dir, 'not-a-folder', 'history.sqlite')));
    expect(error.file).toBe(path.join(dir, 'not-a-folder', 'history.sqlite'));
    expect(error.message).toMatch(/cannot be created: part of its folder path is a file/);
  });
});

describe('a file the app did not write', () => {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  for (const [what, bytes] of [
    ['a text file', Buffer.from('notes\n')],
    ['a PNG', png],
    ['4 KiB of one byte', Buffer.alloc(4096, 7)],
  ] as const) {
    for (const access of ['write', 'read'] as const) {
      it(`is refused and left as it is: ${what} (${access})`, async () => {
        const folder = path.join(dir, `not-sqlite-${what.replace(/\W/g, '')}-${access}`);
        await mkdir(folder);
        const file = path.join(folder, 'n.txt');
        await writeFile(file, bytes);
        const error = await rejection(openHistory(file, { access }));
        expect(error.message).toBe(
          `${file}: is not a SQLite database, so not a Calibration Audit history; it was left as it is. Choose another file.`,
        );
        expect(sameBytes(await readFile(file), bytes)).toBe(true);
        expect(await readdir(folder)).toEqual(['n.txt']);
      });
    }
  }

  it("leaves another program's damaged database as it is, even when writing", async () => {
    const file = path.join(dir, 'foreign-damaged.sqlite');
    const other = await Connection.open(file, false);
    await other.exec(
      `PRAGMA application_id = 1234; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('${'n'.repeat(20000)}')`,
    );
    await other.close();
    const handle = await open(file, 'r+');
    await handle.write(randomBytes(8192), 0, 8192, 4096);
    await handle.close();
    const before = await sha256(file);
    const error = await rejection(openHistory(file));
    expect(error.message).toMatch(
      /is a database of another program, not a Calibration Audit history|is a damaged SQLite database that Calibration Audit did not write; it was left as it is/,
    );
    expect(await sha256(file)).toBe(before);
    expect((await readdir(dir)).filter((n) => n.startsWith('foreign-damaged'))).toEqual([
      'foreign-damaged.sqlite',
    ]);
  });

  it('leaves a damaged SQLite database without marks as it is, even when writing', async () => {
    const file = path.join(dir, 'unmarked-damaged.sqlite');
    const other = await Connection.open(file, false);
    await other.exec(
      `CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('${'n'.repeat(20000)}')`,
    );
    await other.close();
    const handle = await open(file, 'r+');
    await handle.write(Buffer.alloc(4096 - 100, 0xff), 0, 4096 - 100, 100);
    await handle.close();
    const before = await sha256(file);
    const error = await rejection(openHistory(file));
    expect(error.message).toMatch(
      /is a damaged SQLite database that Calibration Audit did not write; it was left as it is/,
    );
    expect(await sha256(file)).toBe(before);
  });

  it('reports a damaged history of its own to a reader, and moves it aside only for a writer', async () => {
    const file = await copyOfValid('damaged-read-then-write');
    const handle = await open(file, 'r+');
    await handle.write(randomBytes(3 * 4096), 0, 3 * 4096, 2 * 4096);
    await handle.close();
    const before = await sha256(file);
    const error = await rejection(openHistory(file, { access: 'read' }));
    expect(error.message).toBe(
      `${file}: is damaged; it was left as it is. Saving to it (or opening the app on it) moves it aside and starts a fresh history.`,
    );
    expect(await sha256(file)).toBe(before);
    expect(await readdir(path.dirname(file))).toEqual(['history.sqlite']);
    const history = await openHistory(file, { access: 'write' });
    expect(history.recoveredFrom).toMatch(/history\.sqlite\.corrupt-/);
    await history.close();
  });
});
