import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AuditDocument } from '../../src/shared/audit-document';
import { cli } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const run = promisify(execFile);

describe('calibration-audit demo --pdf', () => {
  it('writes a PDF whose text holds the verdict and the numbers of --json', async () => {
    const dir = await tempDir();
    const pdf = path.join(dir, 'report.pdf');
    const json = path.join(dir, 'report.json');
    const outcome = await cli(
      'demo',
      '--bootstrap',
      '100',
      '--pdf',
      pdf,
      '--page-size',
      'Letter',
      '--json',
      json,
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain(`Wrote the report to ${pdf}`);
    const document = JSON.parse(await readFile(json, 'utf8')) as AuditDocument;
    const { stdout: text } = await run('pdftotext', ['-layout', pdf, '-']);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(document.verdict.text.replace(/\s+/g, ' '));
    expect(flat).toContain(`${(document.metrics.ece.value * 100).toFixed(1)}%`);
    expect(flat).toContain(document.provenance.modelFingerprint);
    const { stdout: info } = await run('pdfinfo', [pdf]);
    expect(info).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
  }, 120_000);

  it('refuses a page size it does not know', async () => {
    const outcome = await cli('demo', '--pdf', 'x.pdf', '--page-size', 'A3');
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--page-size must be one of A4, Letter/);
  });
});
