import { pathToFileURL } from 'node:url';
import sqlite3 from 'sqlite3';

/** A value SQLite can bind: text, a number, NULL or a BLOB (as a Buffer). */
export type SqlValue = string | number | bigint | null | Buffer;
export type SqlRow = Record<string, unknown>;

/** An error from SQLite, with its primary result code name (SQLITE_BUSY, SQLITE_CORRUPT, ...). */
export interface SqliteError extends Error {
  code?: string;
  errno?: number;
}

export function sqliteCode(error: unknown): string | null {
  const code = (error as SqliteError | null)?.code;
  return typeof code === 'string' ? code : null;
}

/**
 * One SQLite connection with a Promise API over the sqlite3 package's callbacks. Statements run in
 * the order they are called (the sqlite3 package queues them on one connection); callers that
 * need several statements to stay together (a transaction) serialise themselves (see Serial).
 */
export class Connection {
  private constructor(private readonly db: sqlite3.Database) {}

  /**
   * Opens `file`. `immutable` (read-only only) tells SQLite that nobody writes the file meanwhile, so
   * that it reads a WAL database without creating its -shm file: for reading a history in a folder
   * that cannot be written.
   */
  static open(file: string, readOnly: boolean, immutable = false): Promise<Connection> {
    const mode = readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    const name = readOnly && immutable ? `${pathToFileURL(file).href}?immutable=1` : file;
    const flags = readOnly && immutable ? mode | sqlite3.OPEN_URI : mode;
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(name, flags, (error) => {
        if (error) reject(error);
        else resolve(new Connection(db));
      });
    });
  }

  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  setBusyTimeout(ms: number): void {
    this.db.configure('busyTimeout', ms);
  }

  run(sql: string, params: SqlValue[] = []): Promise<{ lastID: number; changes: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (error) {
        if (error) reject(error);
        else resolve({ lastID: this.lastID, changes: this.changes });
      });
    });
  }

  get<T extends SqlRow>(sql: string, params: SqlValue[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get<T>(sql, params, (error, row) => {
        if (error) reject(error);
        else resolve(row);
      });
    });
  }

  all<T extends SqlRow>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all<T>(sql, params, (error, rows) => {
        if (error) reject(error);
        else resolve(rows);
      });
    });
  }

  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.close((error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
}

/** Runs async tasks one after another, so that one task's statements never interleave another's. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Runs `body` inside BEGIN IMMEDIATE ... COMMIT (the write lock is taken up front, so a busy
 * database fails at BEGIN rather than half way); any error rolls back and is rethrown.
 */
export async function inTransaction<T>(connection: Connection, body: () => Promise<T>): Promise<T> {
  await connection.exec('BEGIN IMMEDIATE');
  try {
    const result = await body();
    await connection.exec('COMMIT');
    return result;
  } catch (error) {
    // Some errors (SQLITE_FULL, SQLITE_IOERR) roll back by themselves; a second ROLLBACK then fails.
    await connection.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
