import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppHistory } from '../../src/host/app-history';
import { SCHEMA_VERSION } from '../../src/storage';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { syntheticAudit } from '../storage/fixtures';

describe('AppHistory', () => {
  it('opens a fresh file, saves into it and reads back', async () => {
    const file = path.join(await tempDir(), 'nested', 'history.sqlite');
    const history = await AppHistory.open(file);
    try {
      expect(history.status()).toEqual({ file, state: 'ready', notice: null });
      const outcome = await history.save((h) => h.saveAudit(syntheticAudit(), 'first'));
      expect(outcome).toEqual({ saved: true, historyId: 1 });
      expect((await history.get().listAudits()).map((a) => a.name)).toEqual(['first']);
    } finally {
      await history.close();
    }
  });

  it('keeps the app working without a history written by a newer version, and says why', async () => {
    const file = path.join(await tempDir(), 'history.sqlite');
    const connection = await Connection.open(file, false);
    await connection.exec('PRAGMA user_version = 999');
    await connection.close();
    const history = await AppHistory.open(file);
    const newer = `${file}: was written by a newer version of Calibration Audit (schema 999); this version knows up to ${SCHEMA_VERSION}. Update Calibration Audit to open it. Audits are not saved until it can be opened.`;
    expect(history.status()).toEqual({ file, state: 'unavailable', notice: newer });
    expect(() => history.get()).toThrow(newer);
    // A finished audit is not lost: it stays on screen, and the reason is given.
    expect(await history.save((h) => h.saveAudit(syntheticAudit()))).toEqual({
      saved: false,
      reason: newer,
    });

    // Once the file is usable again (here: replaced), "Try again" opens it.
    await writeFile(file, '');
    expect(await history.reopen()).toEqual({ file, state: 'ready', notice: null });
    expect(await history.save((h) => h.saveAudit(syntheticAudit()))).toEqual({
      saved: true,
      historyId: 1,
    });
    await history.close();
  });

  it('moves a damaged file aside, starts a fresh history and says where the old one went', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'history.sqlite');
    const first = await AppHistory.open(file);
    await first.close();
    const handle = await open(file, 'r+');
    await handle.write(Buffer.alloc(8192, 0x5a), 0, 8192, 4096);
    await handle.close();
    const history = await AppHistory.open(file);
    try {
      const status = history.status();
      expect(status.state).toBe('ready');
      const moved = (await readdir(dir)).find((name) => name.startsWith('history.sqlite.corrupt-'));
      expect(moved).toBeDefined();
      expect(status.notice).toBe(
        `${file} was damaged; it was moved to ${path.join(dir, moved ?? '')} and a new history was started.`,
      );
    } finally {
      await history.close();
    }
  });

  it('leaves a file that is not a history as it is, and works unsaved', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'history.sqlite');
    const bytes = Buffer.alloc(8192, 0x5a);
    await writeFile(file, bytes);
    const history = await AppHistory.open(file);
    try {
      expect(history.status()).toEqual({
        file,
        state: 'unavailable',
        notice: `${file}: is not a SQLite database, so not a Calibration Audit history; it was left as it is. Choose another file. Audits are not saved until it can be opened.`,
      });
      expect(await readdir(dir)).toEqual(['history.sqlite']);
      expect(Buffer.compare(await readFile(file), bytes)).toBe(0);
    } finally {
      await history.close();
    }
  });

  it('none(): nothing is saved, and opening says there is no history', async () => {
    const history = AppHistory.none();
    expect(history.status().state).toBe('unavailable');
    expect(await history.save(() => Promise.resolve(1))).toEqual({
      saved: false,
      reason: 'This window keeps no history.',
    });
    expect(() => history.get()).toThrow('This window keeps no history.');
  });
});
