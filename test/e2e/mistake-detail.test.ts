import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCentroidCase, type CentroidCase } from '../helpers/centroid-model';
import { tempDir } from '../helpers/temp-dir';
import { dropFiles, filesOf } from './drop';
import { openApp, screenshot, startE2E, type E2E } from './harness';

let e2e: E2E;
let tabular: CentroidCase;

beforeAll(async () => {
  // A 3-class tabular model, overconfident enough to make confident mistakes.
  tabular = await saveCentroidCase(
    path.join(await tempDir('calibration-audit-e2e-detail-'), 'tabular'),
    {
      classes: 3,
      perClass: 200,
      features: 6,
      noise: 2.2,
      scale: 14,
      classNames: ['setosa', 'versicolor', 'virginica'],
    },
  );
  e2e = await startE2E();
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

describe("a flagged mistake's detail", () => {
  it('opens on click with the image, the top classes and its bin (demo), and closes', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });
    await page.getByTestId('flagged-mistakes').scrollIntoViewIfNeeded();
    // Thumbnails say they are loading, then arrive.
    const started = Date.now();
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid=flagged-mistake] img').length === 12 &&
        Array.from(document.querySelectorAll('[data-testid=flagged-mistake] img')).every(
          (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
        ),
      undefined,
      { timeout: 60_000 },
    );
    console.log(`12 demo thumbnails shown in ${Date.now() - started} ms`);

    const first = page.getByTestId('flagged-mistake').first();
    const labels = (await first.locator('.labels').textContent())?.replace(/\s+/g, ' ').trim();
    await first.getByTestId('open-mistake').click();
    const dialog = page.getByTestId('mistake-detail');
    await dialog.waitFor();
    expect((await dialog.locator('h3').textContent())?.replace(/\s+/g, ' ').trim()).toBe(labels);
    await dialog.locator('img').waitFor();
    const top = dialog.getByTestId('mistake-top-classes').locator('li');
    await top.first().waitFor();
    expect(await top.count()).toBe(5);
    // The most probable class is the prediction, with the flagged confidence.
    const firstTop = (await top.first().textContent()) ?? '';
    expect(firstTop).toMatch(/predicted/);
    expect((await dialog.getByTestId('mistake-bin').textContent())?.replace(/\s+/g, ' ')).toMatch(
      /Bin 15 of 15, confidence 0\.93–1\.00: [\d,]+ samples, accuracy/,
    );
    await screenshot(page, 'mistake-detail-demo');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Reopened from the history, the detail still comes (read back from the saved samples).
    await page.reload();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    await page.getByTestId('open-mistake').nth(1).click();
    await page.getByTestId('mistake-top-classes').locator('li').first().waitFor();
    await page.getByTestId('mistake-detail-close').click();
    await page.getByTestId('mistake-detail').waitFor({ state: 'detached' });
    await page.context().close();
  }, 180_000);

  it("shows a CSV row's values in the list and in the detail, not an empty image box", async () => {
    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(tabular.modelDir));
    await page.getByTestId('model-summary').waitFor({ timeout: 60_000 });
    await dropFiles(
      page,
      '[data-testid=drop-test-set]',
      await filesOf(path.dirname(tabular.csv), ['test.csv']),
    );
    await page.getByTestId('test-set-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });
    const mistakes = page.getByTestId('flagged-mistake');
    expect(await mistakes.count()).toBeGreaterThan(0);
    await page.getByTestId('flagged-mistakes').scrollIntoViewIfNeeded();
    expect(await mistakes.first().locator('.thumb').count()).toBe(0);
    const values = mistakes.first().getByTestId('row-values');
    await expect.poll(() => values.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    expect(await values.textContent()).toMatch(/f0\s*-?\d+\.\d+/);

    await mistakes.first().getByTestId('open-mistake').click();
    const table = page.getByTestId('mistake-values');
    await table.waitFor({ timeout: 30_000 });
    const rows = await table.locator('tr').allTextContents();
    // Six features and the label, as written in the file.
    expect(rows).toHaveLength(7);
    expect(rows[6]).toMatch(/^label(setosa|versicolor|virginica)$/);
    expect(await page.getByTestId('mistake-top-classes').locator('li').count()).toBe(3);
    await screenshot(page, 'mistake-detail-csv');
    await page.context().close();
  }, 180_000);
});
