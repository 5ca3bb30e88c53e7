import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES_DIR } from '../../../src/engine/demo';
import { EngineClient } from '../../../src/engine/worker/engine-client';
import { toAuditView } from '../../../src/host/app-service';
import { demoInputs } from '../../../src/host/demo-inputs';
import { findChromium, printReportPdf, RENDERER_DIR } from '../../../src/host/pdf/print-report-pdf';
import type { AuditView } from '../../../src/shared/api';
import type { FinetuneDocument } from '../../../src/shared/finetune-document';
import { decimal, percent } from '../../../src/renderer/src/lib/format';

const OUT_DIR = path.resolve('test-results/pdf');
const demo = demoInputs(RESOURCES_DIR);

/** The PDF's text, its layout kept (pdftotext from poppler-utils). */
function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** Renders every page at 60 dpi into test-results/pdf/NAME-N.png, to look at. */
function renderPages(file: string, name: string): void {
  execFileSync('pdftoppm', ['-png', '-r', '60', file, path.join(OUT_DIR, name)]);
}

function pageCount(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
}

/** Collapses the layout's runs of spaces, so sentences that wrap still match. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

describe('printReportPdf', () => {
  let engine: EngineClient;
  let audit: AuditView;

  beforeAll(async () => {
    await mkdir(OUT_DIR, { recursive: true });
    engine = new EngineClient();
    const result = await engine.call('audit', {
      modelPath: demo.model.path,
      dataPath: demo.testSet.path,
      bootstrapResamples: 100,
    });
    audit = toAuditView('audit-pdf-test', result);
  }, 300_000);

  afterAll(async () => {
    await engine?.close();
  });

  for (const pageSize of ['A4', 'Letter'] as const) {
    it(`prints the demo audit on ${pageSize} with the app's numbers as text`, async () => {
      const file = path.join(OUT_DIR, `audit-${pageSize}.pdf`);
      await rm(file, { force: true });
      await printReportPdf({ audit, ...demo, file, pageSize, engine });
      expect((await stat(file)).size).toBeGreaterThan(10_000);

      const text = pdfText(file);
      const words = flat(text);
      const doc = audit.document;
      const verdictWords = flat(doc.verdict.text).split(' ').slice(-6).join(' ');
      expect(words).toContain(verdictWords);
      expect(text).toContain(percent(doc.metrics.ece.value));
      expect(text).toContain(percent(doc.metrics.accuracy.value));
      expect(text).toContain(decimal(doc.metrics.nll.value, 3));
      expect(text).toContain(doc.provenance.modelFingerprint);
      expect(text).toContain(doc.provenance.datasetFingerprint);
      expect(words).toContain('Appendix: definitions');
      expect(words).toMatch(/page 1 of \d+/);
      // Per-class rows: every class is named.
      for (const row of doc.perClass) expect(words).toContain(row.className);

      const pages = pageCount(file);
      expect(pages).toBeGreaterThanOrEqual(3);
      renderPages(file, `audit-${pageSize}`);
    }, 120_000);
  }

  it('adds the fine-tune section when there is one', async () => {
    const result = await engine.call('finetune', {
      modelPath: demo.model.path,
      dataPath: demo.testSet.path,
      alpha: 0.1,
      epochs: 1,
      bootstrapResamples: 50,
    });
    const finetune: FinetuneDocument = result.document;
    const file = path.join(OUT_DIR, 'finetune-A4.pdf');
    await rm(file, { force: true });
    await printReportPdf({ audit, finetune, ...demo, file, pageSize: 'A4', engine });

    const text = pdfText(file);
    const words = flat(text);
    expect(words).toContain('Fine-tune with label smoothing (α = 0.1)');
    // The arm table shows ECE with 2 decimals ("1.30%"); "1.3%" once matched only by chance.
    expect(text).toContain(percent(finetune.arms.smoothed.metrics.ece.value, 2));
    expect(words).toContain(flat(finetune.tradeOffs[0]).split(' ').slice(0, 5).join(' '));
    renderPages(file, 'finetune-A4');
  }, 600_000);

  it('says what to install when Chromium is missing', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-chromium');
    expect(() => findChromium(missing)).toThrow(/apt-get install chromium/);
    await expect(
      printReportPdf({
        audit,
        file: path.join(OUT_DIR, 'never.pdf'),
        pageSize: 'A4',
        engine,
        chromiumPath: missing,
        rendererDir: RENDERER_DIR,
      }),
    ).rejects.toThrow(/CHROMIUM_PATH/);
  });
});
