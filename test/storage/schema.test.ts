import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openHistory, SCHEMA_VERSION } from '../../src/storage';
import {
  APPLICATION_ID,
  applyMigrations,
  MIGRATIONS,
  readUserVersion,
  type Migration,
} from '../../src/storage/schema';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { syntheticAudit, syntheticFinetune } from './fixtures';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('calibration-audit-schema-');
});

const TABLES = ['audit_samples', 'audits', 'finetune_arms', 'finetunes', 'models', 'test_sets'];

/**
 * Builds a database as each earlier version of the app left it. Version 0 is an empty file.
 * When version N + 1 ships, add a builder for version N here that writes N's schema as it was
 * shipped (frozen SQL, not MIGRATIONS), with a few records to migrate.
 */
const EARLIER_VERSIONS: Record<number, (file: string) => Promise<void>> = {
  0: (file) => writeFile(file, ''),
};

async function inspect(file: string) {
  const connection = await Connection.open(file, true);
  try {
    const version = await readUserVersion(connection);
    const tables = await connection.all<{ name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    );
    const application = await connection.get<{ application_id: number }>('PRAGMA application_id');
    const journal = await connection.get<{ journal_mode: string }>('PRAGMA journal_mode');
    return {
      version,
      tables: tables.map((t) => t.name),
      applicationId: application?.application_id,
      journalMode: journal?.journal_mode,
    };
  } finally {
    await connection.close();
  }
}

describe('migrations', () => {
  it('are a list numbered 1, 2, ... with the last one the current schema version', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('has a fixture builder for every earlier schema version', () => {
    expect(Object.keys(EARLIER_VERSIONS).map(Number)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, v) => v),
    );
  });

  for (const [from, build] of Object.entries(EARLIER_VERSIONS)) {
    it(`bring a database from schema ${from} to ${SCHEMA_VERSION}`, async () => {
      const file = path.join(dir, `from-${from}.sqlite`);
      await build(file);
      const before = await inspect(file);
      expect(before.version).toBe(Number(from));
      const history = await openHistory(file);
      expect(history.schemaVersion).toBe(SCHEMA_VERSION);
      const id = await history.saveAudit(syntheticAudit());
      await history.saveFinetune(syntheticFinetune(syntheticAudit()), { auditId: id });
      await history.close();
      expect(await inspect(file)).toEqual({
        version: SCHEMA_VERSION,
        tables: TABLES,
        applicationId: APPLICATION_ID,
        journalMode: 'wal',
      });
    });
  }

  it('create a database where there was no file', async () => {
    const file = path.join(dir, 'new.sqlite');
    const history = await openHistory(file);
    expect(await history.listAudits()).toEqual([]);
    await history.close();
    expect((await inspect(file)).version).toBe(SCHEMA_VERSION);
  });

  it('leave a current database and its records as they are', async () => {
    const file = path.join(dir, 'current.sqlite');
    const first = await openHistory(file);
    const id = await first.saveAudit(syntheticAudit(), 'kept');
    await first.close();
    const again = await openHistory(file);
    expect((await again.listAudits()).map((a) => [a.id, a.name])).toEqual([[id, 'kept']]);
    await again.close();
    expect((await inspect(file)).version).toBe(SCHEMA_VERSION);
  });

  it('apply later steps in order, and none of them when one fails', async () => {
    const file = path.join(dir, 'steps.sqlite');
    await (await openHistory(file)).close();
    const connection = await Connection.open(file, false);
    try {
      const failing: Migration[] = [
        ...MIGRATIONS,
        { version: SCHEMA_VERSION + 1, description: 'ok', sql: 'CREATE TABLE extra (x)' },
        { version: SCHEMA_VERSION + 2, description: 'broken', sql: 'CREATE TABLE models (x)' },
      ];
      await expect(applyMigrations(connection, failing)).rejects.toThrow(/already exists/);
      expect(await readUserVersion(connection)).toBe(SCHEMA_VERSION);
      const extra = await connection.get("SELECT name FROM sqlite_schema WHERE name = 'extra'");
      expect(extra).toBeUndefined();

      const later: Migration[] = [
        ...MIGRATIONS,
        { version: SCHEMA_VERSION + 1, description: 'a', sql: 'CREATE TABLE extra (x)' },
        { version: SCHEMA_VERSION + 2, description: 'b', sql: 'ALTER TABLE extra ADD COLUMN y' },
      ];
      expect(await applyMigrations(connection, later)).toBe(SCHEMA_VERSION);
      expect(await readUserVersion(connection)).toBe(SCHEMA_VERSION + 2);
      const columns = await connection.all<{ name: string }>('PRAGMA table_info(extra)');
      expect(columns.map((c) => c.name)).toEqual(['x', 'y']);
      await expect(
        applyMigrations(connection, [{ version: 2, description: 'gap', sql: '' }]),
      ).rejects.toThrow(/has version 2, expected 1/);
    } finally {
      await connection.close();
    }
    // This app does not know those later steps: it refuses the file.
    await expect(openHistory(file)).rejects.toThrow(
      `schema ${SCHEMA_VERSION + 2}); this version knows up to ${SCHEMA_VERSION}`,
    );
  });
});
