import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR } from '../../src/engine/demo';
import { SCHEMA_VERSION } from '../../src/storage';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { dropFiles, filesOf } from './drop';
import { openApp, screenshot, startE2E, type E2E } from './harness';

let e2e: E2E;
let historyFile: string;
let sharpenedDir: string;
let trainSubsetDir: string;
let outDir: string;
const PDF_PAGES = path.resolve('test-results/pdf');

/**
 * The demo model with its logits multiplied by 1.6 (the last Dense layer's kernel and bias scaled):
 * the same predictions, sharper confidence. A real second model for the same test set.
 */
async function saveSharpenedDemo(folder: string): Promise<void> {
  await cp(DEMO_MODEL_DIR, folder, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { shape: number[]; dtype?: string }[] }[];
  };
  const [group] = manifest.weightsManifest;
  const sizes = group.weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
  expect(group.weights.every((w) => (w.dtype ?? 'float32') === 'float32')).toBe(true);
  const shard = path.join(folder, group.paths[0]);
  const bytes = await readFile(shard);
  const total = sizes.reduce((a, b) => a + b, 0);
  expect(bytes.length).toBe(total * 4);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, total);
  const head = sizes.at(-1)! + sizes.at(-2)!;
  for (let i = total - head; i < total; i++) values[i] *= 1.6;
  await writeFile(shard, bytes);
}

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The first `n` images of Fashion-MNIST's training split as a pair of IDX files: another test set. */
async function saveTrainingSubset(folder: string, n: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  const images = gunzipSync(await readFile(path.join(FASHION_MNIST, 'train-images-idx3-ubyte.gz')));
  const labels = gunzipSync(await readFile(path.join(FASHION_MNIST, 'train-labels-idx1-ubyte.gz')));
  const imageHeader = Buffer.from(images.subarray(0, 16));
  imageHeader.writeUInt32BE(n, 4);
  const labelHeader = Buffer.from(labels.subarray(0, 8));
  labelHeader.writeUInt32BE(n, 4);
  await writeFile(
    path.join(folder, 'train-images-idx3-ubyte'),
    Buffer.concat([imageHeader, images.subarray(16, 16 + n * 784)]),
  );
  await writeFile(
    path.join(folder, 'train-labels-idx1-ubyte'),
    Buffer.concat([labelHeader, labels.subarray(8, 8 + n)]),
  );
}

beforeAll(async () => {
  const dir = await tempDir('calibration-audit-e2e-history-');
  historyFile = path.join(dir, 'history.sqlite');
  sharpenedDir = path.join(dir, 'sharpened');
  trainSubsetDir = path.join(dir, 'train-subset');
  outDir = dir;
  await saveSharpenedDemo(sharpenedDir);
  await saveTrainingSubset(trainSubsetDir, 3000);
  e2e = await startE2E({ historyFile });
});

afterAll(async () => {
  await e2e?.close();
});

async function rows(page: Page): Promise<string[]> {
  return page
    .getByTestId('history-row')
    .evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset.auditId ?? ''));
}

describe('the history in Chromium', () => {
  let page: Page;

  beforeAll(async () => {
    page = await openApp(e2e);
  });

  it('saves every audit it runs and says so', async () => {
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('save-note').textContent())
      .toMatch(/Saved in the history as audit #1/);

    // A second model on the same test set: the sharpened demo, dropped from disk.
    await page.getByRole('button', { name: 'New audit' }).click();
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(sharpenedDir));
    await page.getByTestId('model-summary').waitFor();
    await page.getByTestId('test-set-summary').waitFor();
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('save-note').textContent()).toMatch(/audit #2/);
  }, 150_000);

  it('lists the saved audits, renames one, and compares the two, paired', async () => {
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-table').waitFor();
    // The list shows what it last read, then what the history holds now.
    await expect.poll(() => rows(page)).toEqual(['2', '1']);
    await screenshot(page, 'history-list-two');
    expect(await page.getByTestId('history-file').textContent()).toContain(historyFile);

    const newest = page.locator('[data-testid=history-row][data-audit-id="2"]');
    await newest.getByTestId('history-rename').click();
    await page.getByTestId('rename-input').fill('Sharpened head (logits × 1.6)');
    await page.getByTestId('rename-input').press('Enter');
    await expect.poll(() => newest.getByTestId('history-open').textContent()).toMatch(/Sharpened/);

    expect(await page.getByTestId('compare-selected').isDisabled()).toBe(true);
    for (const row of await page.getByTestId('history-tick').all()) await row.check();
    expect(await page.getByTestId('compare-selected').isEnabled()).toBe(true);
    await page.getByTestId('compare-selected').click();
    await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
    const table = (await page.getByTestId('compare-table').textContent()) ?? '';
    // The same predictions: accuracy cannot move; sharper logits: ECE gets worse.
    expect(table).toMatch(/Accuracy/);
    expect(await page.getByTestId('verdict-accuracy').getAttribute('data-verdict')).toBe('unclear');
    expect(await page.getByTestId('verdict-ece').getAttribute('data-verdict')).toBe('worse');
    expect(await page.getByTestId('verdict-nll').getAttribute('data-verdict')).toBe('worse');
    await page.getByTestId('compare-reliability').waitFor();
    await screenshot(page, 'history-compare');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await screenshot(page, 'history-compare-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.getByTestId('back-to-history').click();
    await page.getByTestId('history-table').waitFor();
  }, 120_000);

  it('shows the trend of a model over its audits and reopens one without running it again', async () => {
    // Two more audits of the demo model: on 3,000 training images, then on the test set again.
    await page.getByRole('button', { name: 'New audit' }).click();
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'New audit' }).click();
    await dropFiles(page, '[data-testid=drop-test-set]', await filesOf(trainSubsetDir));
    await expect.poll(() => page.getByTestId('test-set-summary').textContent()).toMatch(/3,000/);
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('save-note').textContent()).toMatch(/audit #4/);

    await page.getByTestId('open-history').click();
    const demoRow = page.locator('[data-testid=history-row][data-audit-id="1"]');
    await demoRow.getByTestId('history-trend').click();
    await page.getByTestId('trend-chart').waitFor();
    expect(await page.getByTestId('trend-table').locator('tbody tr').count()).toBe(3);
    await page.mouse.move(0, 0);
    await screenshot(page, 'history-trend');
    await page.getByTestId('back-to-history').click();

    await page
      .locator('[data-testid=history-row][data-audit-id="2"]')
      .getByTestId('history-open')
      .click();
    await page.getByTestId('audit-view').waitFor();
    expect(await page.getByTestId('save-note').textContent()).toMatch(
      /Opened audit #2 from the history/,
    );
    expect(await page.getByTestId('reliability-bar').count()).toBe(15);
    // Thumbnails come from the test set where the audit read it.
    await page.getByTestId('flagged-mistakes').scrollIntoViewIfNeeded();
    await page.locator('[data-testid=flagged-mistake] img').first().waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'history-reopened');
  });

  it('links a fine-tune to its audit and reopens it from that audit', async () => {
    await page.getByTestId('open-finetune').click();
    await page.getByTestId('start-finetune').click();
    await page.getByTestId('finetune-comparison').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('save-note').textContent()).toMatch(/fine-tune #1/);
    await page.getByTestId('open-history').click();
    await page
      .locator('[data-testid=history-row][data-audit-id="2"]')
      .getByTestId('history-open')
      .click();
    await page.getByTestId('saved-finetunes').waitFor();
    await screenshot(page, 'history-reopened-with-finetune');

    // The reopened audit's PDF holds its verdict and the fine-tune started from it.
    const shown = ((await page.getByTestId('verdict').textContent()) ?? '').replace(/\s+/g, ' ');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.getByTestId('export-pdf').click(),
    ]);
    const pdf = path.join(outDir, 'reopened.pdf');
    await download.saveAs(pdf);
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain(shown.trim().split(' ').slice(-6).join(' '));
    expect(text).toContain('Fine-tune with label smoothing (α = 0.1)');
    await mkdir(PDF_PAGES, { recursive: true });
    execFileSync('pdftoppm', ['-png', '-r', '60', pdf, path.join(PDF_PAGES, 'history-reopened')]);
    await page.getByTestId('open-saved-finetune').click();
    await page.getByTestId('finetune-comparison').waitFor();
    expect(await page.getByTestId('save-note').textContent()).toMatch(
      /Opened fine-tune #1 from the history/,
    );
    expect(await page.getByTestId('export-model').count()).toBe(0);
    await screenshot(page, 'history-saved-finetune');
  }, 180_000);

  it('lists the fine-tunes: one opens with its audit, one from the command line on its own', async () => {
    // A fine-tune saved without an audit, as `calibration-audit finetune --db` saves it.
    const saved = e2e.history.get();
    const { document } = await saved.getFinetune(1);
    await saved.saveFinetune(document, { name: 'From the command line' });

    await page.getByTestId('open-history').click();
    await page.getByTestId('finetune-table').waitFor();
    const finetunes = page.getByTestId('finetune-row');
    await expect.poll(() => finetunes.count()).toBe(2);
    expect(await finetunes.nth(1).textContent()).toMatch(/audit #2/);
    expect(await finetunes.nth(0).textContent()).toMatch(/no saved audit/);
    await page.getByTestId('finetune-table').scrollIntoViewIfNeeded();
    await screenshot(page, 'history-finetunes');

    await finetunes.nth(1).getByTestId('finetune-open').click();
    await page.getByTestId('finetune-comparison').waitFor();
    await page.getByTestId('back-to-audit').click();
    expect(await page.getByTestId('save-note').textContent()).toMatch(/Opened audit #2/);

    await page.getByTestId('open-history').click();
    await page.getByTestId('finetune-row').nth(0).getByTestId('finetune-open').click();
    await page.getByTestId('finetune-comparison').waitFor();
    expect(await page.getByTestId('back-to-audit').textContent()).toMatch(/Back to the history/);
    await page.getByTestId('back-to-audit').click();
    await page.getByTestId('finetune-table').waitFor();

    const unlinked = page.locator('[data-testid=finetune-row][data-finetune-id="2"]');
    await unlinked.getByTestId('history-rename').click();
    await page.getByTestId('rename-input').fill('CLI run');
    await page.getByTestId('rename-save').click();
    await expect.poll(() => unlinked.getByTestId('finetune-open').textContent()).toBe('CLI run');
    await unlinked.getByTestId('history-delete').click();
    await unlinked.getByTestId('history-delete').click();
    await expect.poll(() => page.getByTestId('finetune-row').count()).toBe(1);
  });

  it('deletes an audit after a second click', async () => {
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-table').waitFor();
    await screenshot(page, 'history-list');
    const row = page.locator('[data-testid=history-row][data-audit-id="1"]');
    await row.getByTestId('history-delete').click();
    expect(await rows(page)).toEqual(['4', '3', '2', '1']);
    await row.getByTestId('history-delete').click();
    await expect.poll(() => rows(page)).toEqual(['4', '3', '2']);
  });

  it('says why a history from a newer version cannot be opened, saves once it can', async () => {
    // Another (newer) copy of the app upgrades the file while this one runs; this one opens it again.
    const connection = await Connection.open(historyFile, false);
    await connection.exec('PRAGMA user_version = 999');
    await e2e.history.reopen();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('history-reopen').waitFor();
    expect(await page.getByTestId('history-empty').textContent()).toMatch(/cannot be read/);
    const notice = page.getByTestId('history-notice');
    await expect.poll(() => notice.textContent()).toMatch(/newer version of Calibration Audit/);
    expect(await notice.getAttribute('data-state')).toBe('unavailable');
    await screenshot(page, 'history-unavailable');

    // An audit run meanwhile stays on screen, says why it was not saved, and saves once it can.
    await page.getByRole('button', { name: 'New audit' }).click();
    expect(await page.getByTestId('start-history').getAttribute('class')).toMatch(
      /history-problem/,
    );
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    const note = page.getByTestId('save-note');
    expect(await note.getAttribute('data-saved')).toBe('false');
    expect(await note.textContent()).toMatch(/Not saved in the history: .*newer version/);
    await screenshot(page, 'audit-not-saved');

    await connection.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    await connection.close();
    await page.getByTestId('save-again').click();
    await expect.poll(() => note.textContent()).toMatch(/Saved in the history as audit #5/);

    await page.getByTestId('open-history').click();
    await expect.poll(() => rows(page)).toEqual(['5', '4', '3', '2']);
    expect(await page.getByTestId('history-notice').count()).toBe(0);
  });

  it('keeps the history across a restart; files dropped in the last session are named as gone', async () => {
    await e2e.close();
    e2e = await startE2E({ historyFile });
    page = await openApp(e2e);
    await expect
      .poll(() => page.getByTestId('start-history').textContent())
      .toMatch(/4 saved audits and 1 fine-tune: reopen, compare, follow a model over time\./);
    await screenshot(page, 'start-with-history');
    await page.getByTestId('start-open-history').click();
    await expect.poll(() => rows(page)).toEqual(['5', '4', '3', '2']);
    await page
      .locator('[data-testid=history-row][data-audit-id="2"]')
      .getByTestId('history-open')
      .click();
    const missing = page.getByTestId('missing-inputs');
    await missing.waitFor();
    // The sharpened model was dropped into the last session's workspace, which closed with it.
    expect((await missing.textContent())?.replace(/\s+/g, ' ')).toMatch(
      /No longer where the audit read it: the model Fashion-MNIST CNN \(demo\)\. .*Files dropped into the browser are kept only while the browser host runs/,
    );
    expect(await page.getByTestId('open-finetune').count()).toBe(0);
    expect(await page.getByTestId('save-note').textContent()).toMatch(/Opened audit #2/);
    await screenshot(page, 'history-reopened-after-restart');

    // The demo's own files are still where they were: that audit can be fine-tuned again.
    await page.getByTestId('open-history').click();
    await page
      .locator('[data-testid=history-row][data-audit-id="3"]')
      .getByTestId('history-open')
      .click();
    await page.getByTestId('verdict').waitFor();
    expect(await page.getByTestId('missing-inputs').count()).toBe(0);
    expect(await page.getByTestId('open-finetune').count()).toBe(1);
  });
});
