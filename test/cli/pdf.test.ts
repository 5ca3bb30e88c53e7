import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AuditDocument } from '../../src/shared/audit-document';
import type { FinetuneDocument } from '../../src/shared/finetune-document';
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
    // The CORP view and the decomposition of the Brier score, as in the JSON.
    expect(flat).toContain('CORP reliability diagram');
    const brier = document.corp!.brier;
    expect(flat).toContain(
      `${brier.score.toFixed(4)} = MCB ${brier.mcb.toFixed(4)} − DSC ${brier.dsc.toFixed(4)} + UNC ${brier.unc.toFixed(4)}`,
    );
    const { stdout: info } = await run('pdfinfo', [pdf]);
    expect(info).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
  }, 120_000);

  it('adds the fine-tune comparison to the report of finetune --pdf', async () => {
    const dir = await tempDir();
    const pdf = path.join(dir, 'finetune.pdf');
    const json = path.join(dir, 'finetune.json');
    const outcome = await cli(
      'finetune',
      '--demo',
      '--alpha',
      '0.1',
      '--epochs',
      '1',
      '--bootstrap',
      '50',
      '--pdf',
      pdf,
      '--json',
      json,
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    const document = JSON.parse(await readFile(json, 'utf8')) as FinetuneDocument;
    const { stdout: text } = await run('pdftotext', [pdf, '-']);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(document.tradeOffs[0].replace(/\s+/g, ' ').slice(0, 60));
    expect(flat).toMatch(/Overconfident: \d/);
  }, 180_000);

  it('refuses a page size it does not know, or without --pdf', async () => {
    const a3 = await cli('demo', '--pdf', 'x.pdf', '--page-size', 'A3');
    expect(a3.code).toBe(2);
    expect(a3.stderr).toMatch(/--page-size must be one of A4, Letter/);
    expect((await cli('demo', '--page-size', 'A4')).stderr).toMatch(/--page-size goes with --pdf/);
  });
});
