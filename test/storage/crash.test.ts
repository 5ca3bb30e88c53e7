import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/storage';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { sameBytes, syntheticAudit, syntheticFinetune } from './fixtures';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.join(HERE, 'children', 'crash-writer.ts');
const ROOT = path.resolve(HERE, '../..');

let dir: string;
beforeAll(async () => {
  dir = await tempDir('calibration-audit-crash-');
});

interface KilledRun {
  saved: number[];
  /** Size of the -wal file while the child was inside its transaction. */
  walBytes: number;
  signal: NodeJS.Signals | null;
  stdout: string[];
}

/** Runs the writer until it is inside its last transaction, then kills it with SIGKILL. */
function runAndKill(file: string, mode: 'audit' | 'finetune'): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, mode], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const saved: number[] = [];
    const lines: string[] = [];
    let walBytes = -1;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const match = /^saved (\d+)$/.exec(line);
      if (match) saved.push(Number(match[1]));
      if (line === 'inside-transaction') {
        stat(`${file}-wal`)
          .then((s) => s.size)
          .catch(() => 0)
          .then((size) => {
            walBytes = size;
            child.kill('SIGKILL');
          });
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`the writer was not killed (stdout: ${lines.join(' | ')}; ${stderr})`));
      } else {
        resolve({ saved, walBytes, signal, stdout: lines });
      }
    });
  });
}

async function integrityCheck(file: string): Promise<string> {
  const connection = await Connection.open(file, false);
  try {
    const rows = await connection.all<{ integrity_check: string }>('PRAGMA integrity_check');
    return rows.map((row) => row.integrity_check).join('; ');
  } finally {
    await connection.close();
  }
}

describe('a process killed in the middle of a write', () => {
  it('leaves the earlier audit intact and no trace of the half-written one', async () => {
    const file = path.join(dir, 'audit-crash.sqlite');
    const run = await runAndKill(file, 'audit');
    expect(run.saved).toEqual([1]);
    expect(run.stdout).not.toContain('finished');
    // The large audit's pages had reached the disk (spilled into the WAL) before the kill.
    expect(run.walBytes).toBeGreaterThan(4 * 1024 * 1024);

    expect(await integrityCheck(file)).toBe('ok');
    const history = await openHistory(file, { integrityCheck: 'full' });
    try {
      expect(history.recoveredFrom).toBeNull();
      const audits = await history.listAudits();
      expect(audits.map((a) => [a.id, a.name])).toEqual([[1, 'before the crash']]);
      const expected = syntheticAudit({ seed: 1 });
      const stored = await history.getAudit(1);
      expect(stored.document).toEqual(expected.document);
      expect(sameBytes(stored.samples.probs, expected.samples.probs)).toBe(true);
      expect(sameBytes(stored.samples.labels, expected.samples.labels)).toBe(true);
      // The history still takes new audits, with the next id.
      expect(await history.saveAudit(syntheticAudit({ seed: 3 }))).toBe(2);
    } finally {
      await history.close();
    }
    const connection = await Connection.open(file, true);
    try {
      const rows = await connection.all<{ audit_id: number }>('SELECT audit_id FROM audit_samples');
      expect(rows.map((r) => r.audit_id)).toEqual([1, 2]);
    } finally {
      await connection.close();
    }
  });

  it('leaves the earlier fine-tune intact and no trace of the half-written one', async () => {
    const file = path.join(dir, 'finetune-crash.sqlite');
    const run = await runAndKill(file, 'finetune');
    expect(run.saved).toEqual([1, 1]);

    expect(await integrityCheck(file)).toBe('ok');
    const history = await openHistory(file);
    try {
      const finetunes = await history.listFinetunes();
      expect(finetunes.map((f) => f.id)).toEqual([1]);
      expect(Object.keys(finetunes[0].arms)).toHaveLength(4);
      const stored = await history.getFinetune(1);
      expect(stored.document).toEqual(syntheticFinetune(syntheticAudit({ seed: 1 })));
      expect((await history.listAudits()).map((a) => a.id)).toEqual([1]);
    } finally {
      await history.close();
    }
    const connection = await Connection.open(file, true);
    try {
      const arms = await connection.get<{ n: number }>('SELECT count(*) AS n FROM finetune_arms');
      expect(arms?.n).toBe(4);
    } finally {
      await connection.close();
    }
  });
});
