import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { openApp, screenshot, startE2E, type E2E } from './harness';

let e2e: E2E;
let dir: string;

beforeAll(async () => {
  e2e = await startE2E();
  dir = await tempDir();
});

afterAll(async () => {
  await e2e?.close();
});

/** Collapses runs of white space, so text the PDF wraps still matches. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

describe('Export PDF in Chromium', () => {
  it('downloads the demo audit as an A4 PDF that holds the verdict shown', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('try-demo').click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 60_000 });
    const shown = flat((await verdict.textContent()) ?? '');
    expect(shown).toMatch(/ECE/);

    expect(await page.getByTestId('pdf-page-A4').getAttribute('aria-pressed')).toBe('true');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.getByTestId('export-pdf').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/-calibration-audit\.pdf$/);
    await page.getByTestId('export-pdf-result').waitFor();
    const file = path.join(dir, 'report.pdf');
    await download.saveAs(file);
    expect((await stat(file)).size).toBeGreaterThan(10_000);

    const text = flat(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }));
    // The verdict's last words (the ECE and its interval) as the page shows them.
    expect(text).toContain(shown.split(' ').slice(-6).join(' '));
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)/);
    await screenshot(page, 'export-pdf');

    await page.getByTestId('pdf-page-Letter').click();
    const [letter] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.getByTestId('export-pdf').click(),
    ]);
    const letterFile = path.join(dir, 'report-letter.pdf');
    await letter.saveAs(letterFile);
    expect(execFileSync('pdfinfo', [letterFile], { encoding: 'utf8' })).toMatch(
      /Page size:\s+612(\.\d+)? x 792(\.\d+)? pts \(letter\)/,
    );
    await page.close();
  }, 240_000);

  it('shows why when the host cannot print, and saves nothing', async () => {
    const missing = path.join(dir, 'no-chromium-here');
    const broken = await startE2E({ pdfChromium: missing });
    try {
      const page = await openApp(broken);
      await page.getByTestId('try-demo').click();
      await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
      let downloads = 0;
      page.on('download', () => downloads++);
      await page.getByTestId('export-pdf').click();
      const error = page.getByTestId('export-pdf-error');
      await error.waitFor({ timeout: 60_000 });
      expect(flat((await error.textContent()) ?? '')).toBe(
        `${missing}: is not a Chromium executable: install Chromium (apt-get install chromium) or set CHROMIUM_PATH to it.`,
      );
      expect(await page.getByTestId('export-pdf-result').count()).toBe(0);
      expect(downloads).toBe(0);
      await screenshot(page, 'export-pdf-failed');
    } finally {
      await broken.close();
    }
  }, 120_000);

  it('answers 404 for an audit the host does not keep', async () => {
    const response = await fetch(
      `http://127.0.0.1:${e2e.host.port}/api/report/audit-unknown.pdf?token=${e2e.host.token}`,
    );
    expect(response.status).toBe(404);
  });
});
