import { inTransaction, type Connection } from './sqlite';

/** Written as PRAGMA application_id: marks the file as a Calibration Audit history ('CAud'). */
export const APPLICATION_ID = 0x43417564;

/** One step of the schema: `sql` takes a database at version - 1 to `version`. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * Every schema version, oldest first. A database records the last one applied in
 * PRAGMA user_version (0 = empty file). Never edit a shipped migration: add the next one.
 * Byte layouts of the BLOB columns are in sample-blobs.ts and docs/storage.md.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'models, test sets, audits with per-sample BLOBs, fine-tunes with their arms',
    sql: `
      CREATE TABLE models (
        fingerprint TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        format TEXT NOT NULL,
        class_names TEXT NOT NULL,
        class_count INTEGER NOT NULL,
        parameters INTEGER NOT NULL,
        input_shape TEXT NOT NULL,
        output_kind TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
      );

      CREATE TABLE test_sets (
        fingerprint TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        format TEXT NOT NULL,
        class_names TEXT NOT NULL,
        sample_count INTEGER NOT NULL,
        counts_per_class TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
      );

      CREATE TABLE audits (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        model_fingerprint TEXT NOT NULL REFERENCES models (fingerprint),
        dataset_fingerprint TEXT NOT NULL REFERENCES test_sets (fingerprint),
        backend TEXT NOT NULL,
        app_version TEXT NOT NULL,
        settings TEXT NOT NULL,
        sample_count INTEGER NOT NULL,
        class_count INTEGER NOT NULL,
        accuracy REAL,
        ece REAL,
        nll REAL,
        verdict TEXT NOT NULL,
        metrics TEXT NOT NULL,
        document TEXT NOT NULL
      );
      CREATE INDEX audits_by_model ON audits (model_fingerprint, created_at);
      CREATE INDEX audits_by_test_set ON audits (dataset_fingerprint, created_at);
      CREATE INDEX audits_by_created ON audits (created_at);

      CREATE TABLE audit_samples (
        audit_id INTEGER PRIMARY KEY REFERENCES audits (id) ON DELETE CASCADE,
        sample_count INTEGER NOT NULL,
        class_count INTEGER NOT NULL,
        ids BLOB NOT NULL,
        labels BLOB NOT NULL,
        predictions BLOB NOT NULL,
        confidence BLOB NOT NULL,
        true_class_prob BLOB NOT NULL,
        logit_gap BLOB,
        probs BLOB NOT NULL,
        logits BLOB
      );

      CREATE TABLE finetunes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        audit_id INTEGER REFERENCES audits (id) ON DELETE CASCADE,
        model_fingerprint TEXT NOT NULL REFERENCES models (fingerprint),
        dataset_fingerprint TEXT NOT NULL REFERENCES test_sets (fingerprint),
        train_dataset_fingerprint TEXT,
        backend TEXT NOT NULL,
        app_version TEXT NOT NULL,
        settings TEXT NOT NULL,
        alpha REAL,
        epochs INTEGER NOT NULL,
        layers TEXT NOT NULL,
        learning_rate REAL,
        seed INTEGER NOT NULL,
        split_source TEXT NOT NULL,
        finetune_size INTEGER NOT NULL,
        calibration_size INTEGER NOT NULL,
        evaluation_size INTEGER NOT NULL,
        history TEXT NOT NULL,
        exported_model_path TEXT,
        document TEXT NOT NULL
      );
      CREATE INDEX finetunes_by_model ON finetunes (model_fingerprint, created_at);
      CREATE INDEX finetunes_by_audit ON finetunes (audit_id);
      CREATE INDEX finetunes_by_created ON finetunes (created_at);

      CREATE TABLE finetune_arms (
        finetune_id INTEGER NOT NULL REFERENCES finetunes (id) ON DELETE CASCADE,
        arm TEXT NOT NULL,
        label TEXT NOT NULL,
        alpha REAL,
        temperature REAL,
        accuracy REAL,
        ece REAL,
        nll REAL,
        metrics TEXT NOT NULL,
        PRIMARY KEY (finetune_id, arm)
      ) WITHOUT ROWID;

      PRAGMA application_id = ${APPLICATION_ID};
    `,
  },
];

/** The newest schema this version of the app knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export async function readUserVersion(connection: Connection): Promise<number> {
  const row = await connection.get<{ user_version: number }>('PRAGMA user_version');
  return row?.user_version ?? 0;
}

/**
 * Brings the database from its user_version to the last of `migrations`, all in one transaction:
 * either every step is applied (and user_version says so) or none is. The version is read again
 * under the write lock, in case another process migrated the file meanwhile. Returns the version
 * the database had before.
 */
export async function applyMigrations(
  connection: Connection,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`migration ${i} has version ${migration.version}, expected ${i + 1}`);
    }
  });
  const target = migrations.length;
  return inTransaction(connection, async () => {
    const from = await readUserVersion(connection);
    for (const migration of migrations.slice(from)) {
      await connection.exec(migration.sql);
    }
    if (from < target) await connection.exec(`PRAGMA user_version = ${target}`);
    return from;
  });
}
