import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { openApp, startE2E, type E2E } from './harness';

/**
 * The PDF holds what the window shows: the demo audit with a fine-tune, exported live (A4) and
 * after a reload reopened it from the history (Letter). Pages are rendered with pdftoppm to
 * $LAYOUT_SCREENSHOTS (default test-results/pdf-pages) for looking at.
 */
const PAGES = process.env.LAYOUT_SCREENSHOTS ?? path.resolve('test-results/pdf-pages');

let e2e: E2E;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('calibration-audit-e2e-report-');
  await mkdir(PAGES, { recursive: true });
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.close();
});

function flat(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

async function exportPdf(page: Page, size: 'A4' | 'Letter', name: string): Promise<string> {
  await page.getByTestId(`pdf-page-${size}`).click();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 180_000 }),
    page.getByTestId('export-pdf').click(),
  ]);
  const file = path.join(dir, `${name}.pdf`);
  await download.saveAs(file);
  return file;
}

/** The share of each page's height down to its last non-white row (pages at 60 dpi). */
async function filledShares(file: string, name: string): Promise<number[]> {
  const prefix = path.join(PAGES, name);
  execFileSync('pdftoppm', ['-r', '60', '-png', file, prefix]);
  const pages = (await readdir(PAGES)).filter((f) => f.startsWith(`${name}-`)).sort();
  const shares: number[] = [];
  for (const png of pages) {
    const image = PNG.sync.read(await readFile(path.join(PAGES, png)));
    // Leave out the footer (page numbers): the bottom 10% of the page.
    const bottom = Math.floor(image.height * 0.9);
    let last = 0;
    for (let y = 0; y < bottom; y++) {
      for (let x = 0; x < image.width; x += 2) {
        const i = (y * image.width + x) * 4;
        if (image.data[i] < 235 || image.data[i + 1] < 235 || image.data[i + 2] < 235) {
          last = y;
          break;
        }
      }
    }
    shares.push(last / bottom);
  }
  return shares;
}

function expectComplete(text: string, pages: number): void {
  for (const heading of [
    'Fashion-MNIST CNN (demo) on Fashion-MNIST test split',
    'Verdict and summary metrics',
    '95% CI',
    'Reliability diagram',
    'Confidence, right vs wrong',
    'Logit gap',
    'Where it is overconfident',
    'Most confident mistakes',
    'Per class',
    'Confusion matrix',
    'Risk vs coverage',
    'Fine-tune with label smoothing',
    'Every arm on the evaluation part',
    'Appendix: definitions',
    `page 1 of ${pages}`,
    `page ${pages} of ${pages}`,
  ]) {
    expect(text, heading).toContain(heading);
  }
  // Every class of the per-class table, the fingerprints, and the date.
  for (const name of ['T-shirt/top', 'Trouser', 'Ankle boot', 'Sandal', 'Bag'])
    expect(text).toContain(name);
  expect(text).toMatch(/Model fingerprint [0-9a-f]{64}/);
  expect(text).toMatch(/Test-set fingerprint [0-9a-f]{64}/);
  expect(text).toMatch(/audited \d{1,2} \w{3} \d{4}/);
  // No debug line, no host path, no pixel scaling words where there are none.
  expect(text).not.toMatch(/tfjs-node|not installed|calibration-audit-workspace|\/tmp\//);
  expect(text).not.toMatch(/resources\/demo/);
}

describe('the PDF is as complete as the window', () => {
  it('prints every section of the demo audit and its fine-tune, live (A4) and reopened (Letter)', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });
    await page.getByTestId('open-finetune').click();
    await page.getByTestId('alpha-input').fill('0.1');
    await page.getByTestId('epochs-input').fill('1');
    await page.getByTestId('start-finetune').click();
    await page.getByTestId('finetune-comparison').waitFor({ timeout: 400_000 });
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/finetune\/\d+$/);
    await page.getByTestId('back-to-audit').click();
    await page.getByTestId('verdict').waitFor();

    const a4 = await exportPdf(page, 'A4', 'live-a4');
    const a4Info = execFileSync('pdfinfo', [a4], { encoding: 'utf8' });
    expect(a4Info).toMatch(/Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)/);
    const a4Pages = Number(/Pages:\s+(\d+)/.exec(a4Info)?.[1]);
    const a4Text = flat(execFileSync('pdftotext', ['-layout', a4, '-'], { encoding: 'utf8' }));
    expectComplete(a4Text, a4Pages);
    // The thumbnails of the confident mistakes are in it as images.
    const images = execFileSync('pdfimages', ['-list', a4], { encoding: 'utf8' });
    expect(images.trim().split('\n').length - 2).toBeGreaterThanOrEqual(12);
    const a4Shares = await filledShares(a4, 'live-a4');
    // No page but the last is mostly blank.
    a4Shares.slice(0, -1).forEach((share, i) => {
      expect(share, `A4 page ${i + 1} is filled to ${Math.round(share * 100)}%`).toBeGreaterThan(
        0.5,
      );
    });

    // Back to the saved fine-tune's address; a reload reads it back from the history with its audit.
    await page.goBack();
    await page.getByTestId('finetune-comparison').waitFor({ timeout: 30_000 });
    await page.reload();
    await page.getByTestId('finetune-comparison').waitFor({ timeout: 30_000 });
    await page.getByTestId('back-to-audit').click();
    // The reopened audit (with its fine-tune) prints the same names, never the browser host's
    // upload folders.
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    const letter = await exportPdf(page, 'Letter', 'reopened-letter');
    const letterInfo = execFileSync('pdfinfo', [letter], { encoding: 'utf8' });
    expect(letterInfo).toMatch(/Page size:\s+612(\.\d+)? x 792(\.\d+)? pts \(letter\)/);
    const letterPages = Number(/Pages:\s+(\d+)/.exec(letterInfo)?.[1]);
    const letterText = flat(
      execFileSync('pdftotext', ['-layout', letter, '-'], { encoding: 'utf8' }),
    );
    expectComplete(letterText, letterPages);
    const letterShares = await filledShares(letter, 'reopened-letter');
    letterShares.slice(0, -1).forEach((share, i) => {
      expect(
        share,
        `Letter page ${i + 1} is filled to ${Math.round(share * 100)}%`,
      ).toBeGreaterThan(0.5);
    });
    await page.context().close();
  }, 600_000);
});
