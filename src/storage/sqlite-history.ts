import { constants, existsSync } from 'node:fs';
import { access, mkdir, open, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pairedBootstrapDeltas, type PairedBootstrapOptions } from '../core/bootstrap';
import type { MetricEstimate, MetricName, Predictions } from '../core/types';
import type { AuditResult } from '../engine/audit';
import { InputError } from '../engine/input-error';
import type {
  AuditDocument,
  AuditNames,
  DatasetSummary,
  ModelSummary,
} from '../shared/audit-document';
import type { FinetuneArmName, FinetuneDocument, FinetuneEpoch } from '../shared/finetune-document';
import {
  describeStorageError,
  isCorruptionError,
  isReadOnlyError,
  READ_ONLY_PROBLEM,
  READ_ONLY_READ_PROBLEM,
} from './errors';
import type {
  AuditComparison,
  AuditFilter,
  AuditSummary,
  CompareOptions,
  FinetuneArmSummary,
  FinetuneFilter,
  FinetuneSummary,
  History,
  HistoryOptions,
  SaveFinetuneOptions,
  StoredAudit,
  StoredFinetune,
  TrendPoint,
} from './history';
import {
  finiteOrNull,
  numberOrNaN,
  parseAuditDocument,
  parseEstimates,
  parseFinetuneDocument,
  parseHistory,
  toJson,
} from './json';
import {
  BlobSizeError,
  compactSamples,
  decodeSamples,
  encodeSamples,
  type SampleBlobs,
  type StoredSamples,
} from './sample-blobs';
import { APPLICATION_ID, applyMigrations, readUserVersion, SCHEMA_VERSION } from './schema';
import { Connection, inTransaction, Serial, sqliteCode, type SqlRow } from './sqlite';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** After a checkpoint the WAL file is truncated to this size (it otherwise keeps its largest size). */
const JOURNAL_SIZE_LIMIT = 8 * 1024 * 1024;
const MAX_NAME_LENGTH = 200;

/** `~/.calibration-audit/history.sqlite`: the command line's and the browser host's default `--db`. */
/** What to tell the user when a damaged database was moved aside at open; null when it was not. */
export function recoveryNotice(history: History): string | null {
  if (!history.recoveredFrom) return null;
  return `${history.file} was damaged; it was moved to ${history.recoveredFrom} and a new history was started.`;
}

export function defaultHistoryPath(): string {
  return path.join(os.homedir(), '.calibration-audit', 'history.sqlite');
}

/**
 * Opens (creating it and its folder if needed) the history database `file`, checks it, and
 * migrates it to the current schema. Nothing that Calibration Audit did not write is ever changed:
 * a file that is not SQLite, another program's database, a file from a newer version of the app or a
 * locked one is refused with an InputError and left untouched. Only a damaged database that carries
 * this app's marks (its application_id, or its schema) is moved aside to `<file>.corrupt-<time>`
 * and replaced by a fresh one (see History.recoveredFrom), and only when opened for writing
 * (`access: 'write'`, the default); a read (`access: 'read'`, `readOnly`) reports it and leaves it.
 */
export async function openHistory(file: string, options: HistoryOptions = {}): Promise<History> {
  let readOnly = options.readOnly ?? false;
  const reading = readOnly || options.access === 'read';
  if (readOnly && !existsSync(file)) {
    throw new InputError(file, 'does not exist; there is no history to read yet.');
  }
  const marks = await readMarks(file);
  if (marks.kind === 'not-sqlite') {
    throw new InputError(file, NOT_SQLITE);
  }
  if (!readOnly) {
    try {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    } catch (error) {
      if (isReadOnlyError(error)) throw new InputError(file, READ_ONLY_PROBLEM);
      const code = sqliteCode(error);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new InputError(file, 'cannot be created: part of its folder path is a file.');
      }
      throw new InputError(file, `cannot be created (${messageOf(error)}).`);
    }
  }
  let recoveredFrom: string | null = null;
  let connection: Connection;
  try {
    connection = await prepare(file, options, readOnly);
  } catch (error) {
    if (!readOnly && isReadOnlyError(error)) {
      // A write-protected file (or folder): open it read-only so that the history can be read.
      readOnly = true;
      connection = await prepareReadOnly(file, options, reading);
    } else if (isCorruptionError(error) && marks.kind !== 'ours') {
      throw new InputError(file, NOT_OURS_DAMAGED);
    } else if (!reading && isCorruptionError(error)) {
      recoveredFrom = await moveAside(file);
      connection = await prepare(file, options, false).catch(async (retryError: unknown) => {
        throw await describeOpenError(file, retryError, reading);
      });
    } else if (reading && isCorruptionError(error)) {
      throw new InputError(file, DAMAGED_READ);
    } else if (reading && sqliteCode(error) === 'SQLITE_CANTOPEN' && existsSync(file)) {
      // A folder that cannot be written: SQLite cannot make the WAL's -shm file next to the database.
      readOnly = true;
      connection = await prepareReadOnly(file, options, reading);
    } else {
      throw await describeOpenError(file, error, reading);
    }
  }
  // SQLite opens a write-protected file read-only without saying so; writes would then fail.
  if (!readOnly && !(await isWritable(file))) readOnly = true;
  return new SqliteHistory(file, connection, recoveredFrom, readOnly, options);
}

/** Opens read-only; in a folder that cannot be written, as immutable (nothing can write it there). */
async function prepareReadOnly(
  file: string,
  options: HistoryOptions,
  reading: boolean,
): Promise<Connection> {
  try {
    return await prepare(file, options, true);
  } catch (error) {
    const cannotShare = sqliteCode(error) === 'SQLITE_CANTOPEN' || isReadOnlyError(error);
    if (reading && cannotShare && existsSync(file)) {
      const folder = path.dirname(path.resolve(file));
      if (!(await isWritable(folder))) {
        return prepare(file, options, true, true).catch(async (retryError: unknown) => {
          throw await describeOpenError(file, retryError, reading);
        });
      }
    }
    if (isCorruptionError(error)) throw new InputError(file, DAMAGED_READ);
    throw await describeOpenError(file, error, reading);
  }
}

const NOT_SQLITE =
  'is not a SQLite database, so not a Calibration Audit history; it was left as it is. Choose another file.';
const NOT_OURS_DAMAGED =
  'is a damaged SQLite database that Calibration Audit did not write; it was left as it is. Choose another file.';
const DAMAGED_READ =
  'is damaged; it was left as it is. Saving to it (or opening the app on it) moves it aside and starts a fresh history.';

/** The first bytes of the file that say whose it is (64 KiB: the header and the first schema pages). */
const MARK_BYTES = 64 * 1024;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Text every history's schema holds (the first migration), found even when the header is damaged. */
const SCHEMA_MARK = Buffer.from('CREATE TABLE audit_samples', 'latin1');

/**
 * Whose file this is, from its first bytes alone (nothing is opened or written): missing or empty,
 * this app's (the SQLite header with our application_id, or our schema in its first pages), another
 * SQLite database (or one without marks yet), or not SQLite at all.
 */
export async function readMarks(
  file: string,
): Promise<{ kind: 'missing' | 'ours' | 'sqlite' | 'not-sqlite' }> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(MARK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, MARK_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    // Missing, a folder, or unreadable: SQLite's own open says which.
    return { kind: 'missing' };
  }
  if (head.length === 0) return { kind: 'missing' };
  const header = head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER);
  if (header && head.length >= 72 && head.readUInt32BE(68) === APPLICATION_ID)
    return { kind: 'ours' };
  if (head.includes(SCHEMA_MARK)) return { kind: 'ours' };
  return { kind: header ? 'sqlite' : 'not-sqlite' };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isWritable(file: string): Promise<boolean> {
  return access(file, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Like describeStorageError; SQLITE_CANTOPEN is explained by the file's or folder's permissions.
 * A read (`reading`) is not told that audits cannot be saved: it did not ask to save.
 */
async function describeOpenError(file: string, error: unknown, reading = false): Promise<unknown> {
  if (reading && isReadOnlyError(error)) return new InputError(file, READ_ONLY_READ_PROBLEM);
  if (sqliteCode(error) !== 'SQLITE_CANTOPEN') return describeStorageError(file, error);
  const folder = path.dirname(path.resolve(file));
  if (!(await isWritable(existsSync(file) ? file : folder)))
    return new InputError(file, reading ? READ_ONLY_READ_PROBLEM : READ_ONLY_PROBLEM);
  return new InputError(file, 'cannot be opened (is it a folder, or on a disconnected drive?).');
}

/** A damaged database, as found by the integrity check (SQLite's own errors carry the code too). */
class CorruptDatabaseError extends Error {
  readonly code = 'SQLITE_CORRUPT';
}

async function prepare(
  file: string,
  options: HistoryOptions,
  readOnly: boolean,
  immutable = false,
): Promise<Connection> {
  const connection = await Connection.open(file, readOnly, immutable);
  try {
    connection.setBusyTimeout(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    await connection.exec('PRAGMA foreign_keys = ON');
    // Nothing is written before these checks: a refused file stays byte for byte as it was.
    const applicationId =
      (await connection.get<{ application_id: number }>('PRAGMA application_id'))?.application_id ??
      0;
    const version = await readUserVersion(connection);
    if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
      throw new InputError(file, FOREIGN_DATABASE);
    }
    if (version > SCHEMA_VERSION) {
      throw new InputError(
        file,
        `was written by a newer version of Calibration Audit (schema ${version}); this version knows up to ${SCHEMA_VERSION}. Update Calibration Audit to open it.`,
      );
    }
    if (version === 0) {
      const tables = await connection.get<{ n: number }>(
        "SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
      );
      if ((tables?.n ?? 0) > 0) throw new InputError(file, FOREIGN_DATABASE);
    }
    await checkIntegrity(connection, options.integrityCheck ?? 'quick');
    if (!readOnly) {
      await connection.exec(
        `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT};`,
      );
    }
    if (version < SCHEMA_VERSION) {
      if (readOnly) {
        throw new InputError(
          file,
          `is read-only and has schema ${version}, which must be upgraded to ${SCHEMA_VERSION} before it can be read.`,
        );
      }
      await applyMigrations(connection);
    }
    return connection;
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}

const FOREIGN_DATABASE =
  'is a database of another program, not a Calibration Audit history; choose another file.';

async function checkIntegrity(
  connection: Connection,
  mode: 'quick' | 'full' | 'off',
): Promise<void> {
  if (mode === 'off') return;
  const rows = await connection.all<SqlRow>(
    mode === 'full' ? 'PRAGMA integrity_check' : 'PRAGMA quick_check',
  );
  const problems = rows.map((row) => String(Object.values(row)[0]));
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new CorruptDatabaseError(`integrity check failed: ${problems.slice(0, 3).join('; ')}`);
  }
}

/**
 * Renames a damaged database (and its -wal, -shm and -journal files, which belong to it) to
 * `<file>.corrupt-<timestamp>`; never deletes anything. Returns the new name.
 */
async function moveAside(file: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let aside = `${file}.corrupt-${stamp}`;
  for (let k = 2; existsSync(aside); k++) aside = `${file}.corrupt-${stamp}-${k}`;
  try {
    await rename(file, aside);
    for (const suffix of ['-wal', '-shm', '-journal']) {
      if (existsSync(file + suffix)) await rename(file + suffix, aside + suffix);
    }
  } catch (error) {
    throw new InputError(
      file,
      `is damaged and could not be moved aside (${messageOf(error)}); move or delete it to start a fresh history.`,
    );
  }
  return aside;
}

interface AuditRow extends SqlRow {
  id: number;
  name: string;
  created_at: string;
  saved_at: string;
  model_fingerprint: string;
  model_name: string;
  dataset_fingerprint: string;
  test_set_name: string;
  sample_count: number;
  class_count: number;
  accuracy: number | null;
  ece: number | null;
  backend: AuditSummary['backend'];
  app_version: string;
  verdict: AuditSummary['verdict'];
}

const AUDIT_SUMMARY_COLUMNS = `
  a.id, a.name, a.created_at, a.saved_at, a.model_fingerprint, m.name AS model_name,
  a.dataset_fingerprint, t.name AS test_set_name, a.sample_count, a.class_count, a.accuracy,
  a.ece, a.backend, a.app_version, a.verdict`;
const AUDIT_JOINS = `
  FROM audits a
  JOIN models m ON m.fingerprint = a.model_fingerprint
  JOIN test_sets t ON t.fingerprint = a.dataset_fingerprint`;

interface FinetuneRow extends SqlRow {
  id: number;
  name: string;
  created_at: string;
  saved_at: string;
  audit_id: number | null;
  model_fingerprint: string;
  model_name: string;
  dataset_fingerprint: string;
  train_dataset_fingerprint: string | null;
  backend: FinetuneSummary['backend'];
  app_version: string;
  alpha: number | null;
  epochs: number;
  layers: string;
  split_source: FinetuneSummary['split']['source'];
  finetune_size: number;
  calibration_size: number;
  evaluation_size: number;
  exported_model_path: string | null;
}

interface ArmRow extends SqlRow {
  finetune_id: number;
  arm: FinetuneArmName;
  label: string;
  alpha: number | null;
  temperature: number | null;
  accuracy: number | null;
  ece: number | null;
  nll: number | null;
}

const FINETUNE_SUMMARY_COLUMNS = `
  f.id, f.name, f.created_at, f.saved_at, f.audit_id, f.model_fingerprint, m.name AS model_name,
  f.dataset_fingerprint, f.train_dataset_fingerprint, f.backend, f.app_version, f.alpha,
  f.epochs, f.layers, f.split_source, f.finetune_size, f.calibration_size, f.evaluation_size,
  f.exported_model_path`;
const FINETUNE_JOINS = `
  FROM finetunes f
  JOIN models m ON m.fingerprint = f.model_fingerprint`;

class SqliteHistory implements History {
  readonly schemaVersion = SCHEMA_VERSION;
  private readonly serial = new Serial();
  private closed = false;

  constructor(
    readonly file: string,
    private readonly connection: Connection,
    readonly recoveredFrom: string | null,
    readonly readOnly: boolean,
    private readonly options: HistoryOptions,
  ) {}

  async saveAudit(result: AuditResult, name?: string): Promise<number> {
    const { document, samples } = result;
    const k = document.numClasses;
    checkSampleShapes(document, samples);
    const blobs = encodeSamples(
      compactSamples(samples.ids, samples.labels, samples.probs, samples.logits ?? null, k),
    );
    const names = auditNames(document);
    const metrics = document.metrics;
    return this.write(async (now) => {
      const auditName =
        this.cleanName(name) ??
        (await this.uniqueAuditName(
          // A score file is both the "model" and the test set: named once.
          `${names.model === names.testSet ? names.model : `${names.model} · ${names.testSet}`} · ${dateTime(document.provenance.createdAt)}`,
        ));
      await this.upsertModel(
        { ...sourceRow(document), name: names.model },
        document.provenance.classNames,
        now,
      );
      await this.upsertTestSet(
        document.dataset,
        names.testSet,
        document.provenance.classNames,
        now,
      );
      const settings = {
        bins: document.binCount,
        bootstrapResamples: document.bootstrapResamples,
        seed: document.seed,
        confidenceThreshold: document.flags.confidenceThreshold,
        scaling: document.provenance.scaling,
        outputKind: document.provenance.outputKind,
        backendFallbacks: document.provenance.backendFallbacks,
      };
      const { lastID: id } = await this.connection.run(
        `INSERT INTO audits (name, created_at, saved_at, model_fingerprint, dataset_fingerprint,
           backend, app_version, settings, sample_count, class_count, accuracy, ece, nll, verdict,
           metrics, document)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          auditName,
          document.provenance.createdAt,
          now,
          document.provenance.modelFingerprint,
          document.provenance.datasetFingerprint,
          document.provenance.backend,
          document.provenance.appVersion,
          toJson(settings),
          samples.labels.length,
          k,
          finiteOrNull(metrics.accuracy.value),
          finiteOrNull(metrics.ece.value),
          finiteOrNull(metrics.nll.value),
          document.verdict.kind,
          toJson(metrics),
          toJson(document),
        ],
      );
      await this.hook('audit');
      await this.connection.run(
        `INSERT INTO audit_samples (audit_id, sample_count, class_count, ids, labels, predictions,
           confidence, true_class_prob, logit_gap, probs, logits)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          samples.labels.length,
          k,
          blobs.ids,
          blobs.labels,
          blobs.predictions,
          blobs.confidence,
          blobs.trueClassProb,
          blobs.logitGap,
          blobs.probs,
          blobs.logits,
        ],
      );
      await this.hook('samples');
      return id;
    });
  }

  listAudits(filter: AuditFilter = {}): Promise<AuditSummary[]> {
    return this.read(async () => {
      const model = filter.modelFingerprint ?? null;
      const dataset = filter.datasetFingerprint ?? null;
      const rows = await this.connection.all<AuditRow>(
        `SELECT ${AUDIT_SUMMARY_COLUMNS} ${AUDIT_JOINS}
         WHERE (? IS NULL OR a.model_fingerprint = ?) AND (? IS NULL OR a.dataset_fingerprint = ?)
         ORDER BY a.created_at DESC, a.id DESC`,
        [model, model, dataset, dataset],
      );
      return rows.map(auditSummary);
    });
  }

  getAudit(id: number): Promise<StoredAudit> {
    return this.read(async () => {
      const row = await this.connection.get<AuditRow & { document: string }>(
        `SELECT ${AUDIT_SUMMARY_COLUMNS}, a.document ${AUDIT_JOINS} WHERE a.id = ?`,
        [id],
      );
      if (!row) throw this.noAudit(id);
      return {
        summary: auditSummary(row),
        document: parseAuditDocument(row.document),
        samples: await this.readSamples(id),
      };
    });
  }

  async renameAudit(id: number, name: string): Promise<void> {
    const clean = this.requireName(name);
    return this.write(async () => {
      const { changes } = await this.connection.run('UPDATE audits SET name = ? WHERE id = ?', [
        clean,
        id,
      ]);
      if (changes === 0) throw this.noAudit(id);
    });
  }

  deleteAudit(id: number): Promise<void> {
    return this.write(async () => {
      const { changes } = await this.connection.run('DELETE FROM audits WHERE id = ?', [id]);
      if (changes === 0) throw this.noAudit(id);
    });
  }

  async compareAudits(
    a: number,
    b: number,
    options: CompareOptions = {},
  ): Promise<AuditComparison> {
    const [first, second] = await this.read(async () => {
      const rows = await this.connection.all<AuditRow & { bins: number }>(
        `SELECT ${AUDIT_SUMMARY_COLUMNS}, json_extract(a.settings, '$.bins') AS bins
         ${AUDIT_JOINS} WHERE a.id IN (?, ?)`,
        [a, b],
      );
      const rowA = rows.find((row) => row.id === a);
      const rowB = rows.find((row) => row.id === b);
      if (!rowA) throw this.noAudit(a);
      if (!rowB) throw this.noAudit(b);
      if (rowA.dataset_fingerprint !== rowB.dataset_fingerprint) {
        throw new InputError(
          this.file,
          `cannot compare ${describeAudit(rowA)} with ${describeAudit(rowB)}: they were run on different test sets ("${rowA.test_set_name}", fingerprint ${short(rowA.dataset_fingerprint)}, and "${rowB.test_set_name}", fingerprint ${short(rowB.dataset_fingerprint)}); a paired comparison needs both audits of the same test set.`,
        );
      }
      return [
        { row: rowA, samples: await this.readSamples(a) },
        { row: rowB, samples: await this.readSamples(b) },
      ];
    });
    if (!sameSamples(first.samples, second.samples)) {
      throw new InputError(
        this.file,
        `cannot compare ${describeAudit(first.row)} with ${describeAudit(second.row)}: their test sets have the same fingerprint but not the same samples in the same order.`,
      );
    }
    const bins = options.bins ?? (first.row.bins || 15);
    const bootstrapResamples = options.bootstrapResamples ?? 1000;
    const seed = options.seed ?? 0;
    const computeDeltas = options.pairedDeltas ?? inThisThread;
    const deltas = await computeDeltas(predictions(first.samples), predictions(second.samples), {
      bins,
      bootstrapResamples,
      seed,
    });
    return {
      a: auditSummary(first.row),
      b: auditSummary(second.row),
      sampleCount: first.samples.labels.length,
      bins,
      bootstrapResamples,
      seed,
      deltas,
    };
  }

  trend(modelFingerprint: string): Promise<TrendPoint[]> {
    return this.read(async () => {
      const rows = await this.connection.all<AuditRow & { metrics: string }>(
        `SELECT ${AUDIT_SUMMARY_COLUMNS}, a.metrics ${AUDIT_JOINS}
         WHERE a.model_fingerprint = ? ORDER BY a.created_at, a.id`,
        [modelFingerprint],
      );
      return rows.map((row) => {
        const metrics = parseEstimates<Record<MetricName, MetricEstimate>>(row.metrics);
        return {
          id: row.id,
          name: row.name,
          created: row.created_at,
          datasetFingerprint: row.dataset_fingerprint,
          testSetName: row.test_set_name,
          sampleCount: row.sample_count,
          backend: row.backend,
          accuracy: metrics.accuracy,
          ece: metrics.ece,
          nll: metrics.nll,
        };
      });
    });
  }

  async saveFinetune(
    document: FinetuneDocument,
    options: SaveFinetuneOptions = {},
  ): Promise<number> {
    const { settings, split, provenance } = document;
    const name =
      this.cleanName(options.name) ?? `${document.model.name} fine-tuned (α = ${document.alpha})`;
    const arms = Object.values(document.arms);
    return this.write(async (now) => {
      const auditId = options.auditId ?? null;
      if (auditId !== null) {
        const audit = await this.connection.get<{ model_fingerprint: string; name: string }>(
          'SELECT model_fingerprint, name FROM audits WHERE id = ?',
          [auditId],
        );
        if (!audit) throw this.noAudit(auditId);
        if (audit.model_fingerprint !== provenance.modelFingerprint) {
          throw new InputError(
            this.file,
            `cannot link the fine-tune of model ${short(provenance.modelFingerprint)} to audit #${auditId} "${audit.name}", which is of model ${short(audit.model_fingerprint)}.`,
          );
        }
      }
      // A fine-tune keeps the names its audit gave the model and the test set.
      const keepNames = true;
      await this.upsertModel(document.model, provenance.classNames, now, keepNames);
      await this.upsertTestSet(
        document.dataset,
        path.basename(document.dataset.path) || document.dataset.path,
        provenance.classNames,
        now,
        keepNames,
      );
      const { lastID: id } = await this.connection.run(
        `INSERT INTO finetunes (name, created_at, saved_at, audit_id, model_fingerprint,
           dataset_fingerprint, train_dataset_fingerprint, backend, app_version, settings, alpha,
           epochs, layers, learning_rate, seed, split_source, finetune_size, calibration_size,
           evaluation_size, history, exported_model_path, document)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          name,
          provenance.createdAt,
          now,
          auditId,
          provenance.modelFingerprint,
          provenance.datasetFingerprint,
          provenance.trainDatasetFingerprint,
          provenance.backend,
          provenance.appVersion,
          toJson(settings),
          finiteOrNull(document.alpha),
          settings.epochs,
          settings.layers,
          finiteOrNull(settings.learningRate),
          settings.seed,
          split.source,
          split.finetune.size,
          split.calibration.size,
          split.evaluation.size,
          toJson(document.history),
          document.exportedModel,
          toJson(document),
        ],
      );
      await this.hook('finetune');
      for (const arm of arms) {
        await this.connection.run(
          `INSERT INTO finetune_arms (finetune_id, arm, label, alpha, temperature, accuracy, ece,
             nll, metrics)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            arm.name,
            arm.label,
            arm.alpha === null ? null : finiteOrNull(arm.alpha),
            arm.temperature === null ? null : finiteOrNull(arm.temperature),
            finiteOrNull(arm.metrics.accuracy.value),
            finiteOrNull(arm.metrics.ece.value),
            finiteOrNull(arm.metrics.nll.value),
            toJson(arm.metrics),
          ],
        );
      }
      await this.hook('arms');
      return id;
    });
  }

  listFinetunes(filter: FinetuneFilter = {}): Promise<FinetuneSummary[]> {
    return this.read(async () => {
      const model = filter.modelFingerprint ?? null;
      const audit = filter.auditId ?? null;
      const where = `WHERE (? IS NULL OR f.model_fingerprint = ?) AND (? IS NULL OR f.audit_id = ?)`;
      const params = [model, model, audit, audit];
      const rows = await this.connection.all<FinetuneRow>(
        `SELECT ${FINETUNE_SUMMARY_COLUMNS} ${FINETUNE_JOINS} ${where}
         ORDER BY f.created_at DESC, f.id DESC`,
        params,
      );
      const arms = await this.connection.all<ArmRow>(
        `SELECT r.finetune_id, r.arm, r.label, r.alpha, r.temperature, r.accuracy, r.ece, r.nll
         FROM finetune_arms r JOIN finetunes f ON f.id = r.finetune_id ${where}`,
        params,
      );
      return rows.map((row) =>
        finetuneSummary(
          row,
          arms.filter((arm) => arm.finetune_id === row.id),
        ),
      );
    });
  }

  getFinetune(id: number): Promise<StoredFinetune> {
    return this.read(async () => {
      const row = await this.connection.get<FinetuneRow & { document: string; history: string }>(
        `SELECT ${FINETUNE_SUMMARY_COLUMNS}, f.document, f.history ${FINETUNE_JOINS} WHERE f.id = ?`,
        [id],
      );
      if (!row) throw this.noFinetune(id);
      const arms = await this.connection.all<ArmRow>(
        `SELECT finetune_id, arm, label, alpha, temperature, accuracy, ece, nll
         FROM finetune_arms WHERE finetune_id = ?`,
        [id],
      );
      const history: FinetuneEpoch[] = parseHistory(row.history);
      return {
        summary: finetuneSummary(row, arms),
        document: parseFinetuneDocument(row.document),
        history,
      };
    });
  }

  async renameFinetune(id: number, name: string): Promise<void> {
    const clean = this.requireName(name);
    return this.write(async () => {
      const { changes } = await this.connection.run('UPDATE finetunes SET name = ? WHERE id = ?', [
        clean,
        id,
      ]);
      if (changes === 0) throw this.noFinetune(id);
    });
  }

  async recordFinetuneExport(id: number, where: string): Promise<void> {
    const place = where.trim();
    if (!place) throw new InputError(this.file, 'cannot record an export without where it went.');
    return this.write(async () => {
      const { changes } = await this.connection.run(
        `UPDATE finetunes SET exported_model_path = ?,
           document = json_set(document, '$.exportedModel', ?) WHERE id = ?`,
        [place, place, id],
      );
      if (changes === 0) throw this.noFinetune(id);
    });
  }

  deleteFinetune(id: number): Promise<void> {
    return this.write(async () => {
      const { changes } = await this.connection.run('DELETE FROM finetunes WHERE id = ?', [id]);
      if (changes === 0) throw this.noFinetune(id);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.serial.run(() => this.connection.close());
  }

  // --- helpers ---

  /** Runs `body` alone on the connection, with storage errors turned into InputErrors. */
  private read<T>(body: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the history ${this.file} is closed`));
    return this.serial.run(async () => {
      try {
        return await body();
      } catch (error) {
        if (error instanceof BlobSizeError) {
          throw new InputError(
            this.file,
            `is damaged: a stored record is cut short (${error.message}).`,
          );
        }
        throw describeStorageError(this.file, error);
      }
    });
  }

  /** Like read, inside one BEGIN IMMEDIATE ... COMMIT transaction. */
  private write<T>(body: (now: string) => Promise<T>): Promise<T> {
    return this.read(() => inTransaction(this.connection, () => body(new Date().toISOString())));
  }

  private async hook(step: string): Promise<void> {
    await this.options.testHooks?.insideTransaction?.(step);
  }

  private async readSamples(id: number): Promise<StoredSamples> {
    const row = await this.connection.get<
      SqlRow & SampleBlobs & { sample_count: number; class_count: number }
    >(
      `SELECT sample_count, class_count, ids, labels, predictions, confidence,
         true_class_prob AS trueClassProb, logit_gap AS logitGap, probs, logits
       FROM audit_samples WHERE audit_id = ?`,
      [id],
    );
    if (!row) {
      throw new InputError(this.file, `is damaged: audit #${id} has lost its per-sample results.`);
    }
    try {
      return decodeSamples(row, row.sample_count, row.class_count);
    } catch (error) {
      if (error instanceof BlobSizeError) throw new BlobSizeError(`audit #${id}: ${error.message}`);
      throw error;
    }
  }

  private async upsertModel(
    model: Omit<ModelSummary, 'format'> & { format: string },
    classNames: string[],
    now: string,
    keepName = false,
  ): Promise<void> {
    await this.connection.run(
      `INSERT INTO models (fingerprint, name, path, format, class_names, class_count, parameters,
         input_shape, output_kind, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET
         name = ${keepName ? 'models.name' : 'excluded.name'}, path = excluded.path,
         class_names = excluded.class_names, last_seen = excluded.last_seen`,
      [
        model.fingerprint,
        model.name,
        model.file,
        model.format,
        toJson(model.classNames ?? classNames),
        model.numClasses,
        model.parameters,
        toJson(model.inputShape),
        model.output,
        now,
        now,
      ],
    );
  }

  /** `base`, or `base (2)`, `base (3)`… when another audit already has that name. */
  private async uniqueAuditName(base: string): Promise<string> {
    const clipped = base.slice(0, MAX_NAME_LENGTH - 6);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? clipped : `${clipped} (${n})`;
      const taken = await this.connection.get<{ id: number }>(
        'SELECT id FROM audits WHERE name = ? LIMIT 1',
        [candidate],
      );
      if (!taken) return candidate;
    }
  }

  private async upsertTestSet(
    dataset: DatasetSummary,
    name: string,
    classNames: string[],
    now: string,
    keepName = false,
  ): Promise<void> {
    await this.connection.run(
      `INSERT INTO test_sets (fingerprint, name, path, format, class_names, sample_count,
         counts_per_class, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET
         name = ${keepName ? 'test_sets.name' : 'excluded.name'}, path = excluded.path,
         class_names = excluded.class_names, last_seen = excluded.last_seen`,
      [
        dataset.fingerprint,
        name,
        dataset.path,
        dataset.format,
        toJson(classNames),
        dataset.sampleCount,
        toJson(dataset.countsPerClass),
        now,
        now,
      ],
    );
  }

  private cleanName(name: string | undefined): string | null {
    if (name === undefined) return null;
    return this.requireName(name);
  }

  private requireName(name: string): string {
    const clean = name.trim();
    if (clean.length === 0) throw new InputError(this.file, 'cannot keep a record without a name.');
    if (clean.length > MAX_NAME_LENGTH) {
      throw new InputError(
        this.file,
        `cannot keep a name longer than ${MAX_NAME_LENGTH} characters.`,
      );
    }
    return clean;
  }

  private noAudit(id: number): InputError {
    return new InputError(this.file, `has no audit #${id}; it may have been deleted.`);
  }

  private noFinetune(id: number): InputError {
    return new InputError(this.file, `has no fine-tune #${id}; it may have been deleted.`);
  }
}

function checkSampleShapes(document: AuditDocument, samples: AuditResult['samples']): void {
  const n = samples.labels.length;
  const k = document.numClasses;
  if (samples.ids.length !== n) {
    throw new RangeError(`the audit has ${n} labels but ${samples.ids.length} sample ids`);
  }
  if (document.sampleCount !== n) {
    throw new RangeError(`the document counts ${document.sampleCount} samples, the arrays ${n}`);
  }
  if (samples.probs.length !== n * k) {
    throw new RangeError(`probs has ${samples.probs.length} values, expected ${n} × ${k}`);
  }
  if (samples.logits && samples.logits.length !== n * k) {
    throw new RangeError(`logits has ${samples.logits.length} values, expected ${n} × ${k}`);
  }
  for (let i = 0; i < n; i++) {
    const y = samples.labels[i];
    if (!(y >= 0 && y < k)) throw new RangeError(`label ${y} of sample ${i} is outside [0, ${k})`);
  }
}

/**
 * What an audit's model (or score file) and test set are called: the names the user gave them, or
 * for audits saved before those were kept, the model's own name and the test set's base name.
 */
export function auditNames(document: AuditDocument): AuditNames {
  return (
    document.names ?? {
      model: document.model?.name ?? document.scores?.name ?? 'scores',
      testSet: path.basename(document.dataset.path) || document.dataset.path,
    }
  );
}

/** `2026-12-07 09:41:05` in the local time zone: the time part of an audit's default name. */
export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/**
 * The `models` row of an audit: its model, or for a score-file audit the score file (format
 * `scores-<csv|npy|npz|parquet>`, no parameters, no input shape), fingerprinted by its scores.
 */
function sourceRow(document: AuditDocument): Omit<ModelSummary, 'format'> & { format: string } {
  if (document.model) return document.model;
  const scores = document.scores;
  if (!scores) throw new RangeError('the audit names neither a model nor a score file');
  return {
    file: scores.path,
    name: scores.name,
    format: `scores-${scores.format}`,
    inputShape: [],
    numClasses: scores.numClasses,
    classNames: scores.classNames,
    parameters: 0,
    output: scores.output,
    fingerprint: scores.fingerprint,
  };
}

function auditSummary(row: AuditRow): AuditSummary {
  return {
    id: row.id,
    name: row.name,
    created: row.created_at,
    saved: row.saved_at,
    modelName: row.model_name,
    modelFingerprint: row.model_fingerprint,
    testSetName: row.test_set_name,
    datasetFingerprint: row.dataset_fingerprint,
    sampleCount: row.sample_count,
    numClasses: row.class_count,
    accuracy: numberOrNaN(row.accuracy),
    ece: numberOrNaN(row.ece),
    backend: row.backend,
    appVersion: row.app_version,
    verdict: row.verdict,
  };
}

function finetuneSummary(row: FinetuneRow, arms: ArmRow[]): FinetuneSummary {
  const armSummaries: Partial<Record<FinetuneArmName, FinetuneArmSummary>> = {};
  for (const arm of arms) {
    armSummaries[arm.arm] = {
      label: arm.label,
      alpha: arm.alpha,
      temperature: arm.temperature,
      accuracy: numberOrNaN(arm.accuracy),
      ece: numberOrNaN(arm.ece),
      nll: numberOrNaN(arm.nll),
    };
  }
  return {
    id: row.id,
    name: row.name,
    created: row.created_at,
    saved: row.saved_at,
    auditId: row.audit_id,
    modelName: row.model_name,
    modelFingerprint: row.model_fingerprint,
    datasetFingerprint: row.dataset_fingerprint,
    trainDatasetFingerprint: row.train_dataset_fingerprint,
    backend: row.backend,
    appVersion: row.app_version,
    alpha: numberOrNaN(row.alpha),
    epochs: row.epochs,
    layers: row.layers,
    split: {
      source: row.split_source,
      finetune: row.finetune_size,
      calibration: row.calibration_size,
      evaluation: row.evaluation_size,
    },
    arms: armSummaries,
    exportedModel: row.exported_model_path,
  };
}

function describeAudit(row: AuditRow): string {
  return `audit #${row.id} "${row.name}"`;
}

function short(fingerprint: string): string {
  return fingerprint.length > 12 ? `${fingerprint.slice(0, 12)}…` : fingerprint;
}

function sameSamples(a: StoredSamples, b: StoredSamples): boolean {
  if (a.ids.length !== b.ids.length) return false;
  for (let i = 0; i < a.ids.length; i++) {
    if (a.ids[i] !== b.ids[i] || a.labels[i] !== b.labels[i]) return false;
  }
  return true;
}

async function inThisThread(
  a: Predictions,
  b: Predictions,
  options: PairedBootstrapOptions,
): Promise<Record<MetricName, MetricEstimate>> {
  return pairedBootstrapDeltas(a, b, options);
}

function predictions(samples: StoredSamples): Predictions {
  return {
    numClasses: samples.numClasses,
    labels: samples.labels,
    probs: samples.probs,
    logits: samples.logits,
  };
}
