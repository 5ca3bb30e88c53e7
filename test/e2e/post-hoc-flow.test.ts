import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, screenshot, startE2E, type E2E } from './harness';
import { dropFiles, filesOf } from './drop';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.close();
});

describe('the post-hoc calibrators alone, in Chromium', () => {
  it('a dropped score file offers them instead of fine-tuning, and shows every arm', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('start-view').waitFor();
    const fixtures = path.resolve('test/fixtures/scores');
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(fixtures, ['logits.csv']));
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('no-finetune').textContent()).toMatch(/not offered/);
    expect(await page.getByTestId('open-finetune').count()).toBe(0);
    await page.getByTestId('run-post-hoc').click();
    await page.getByTestId('post-hoc-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('post-hoc-why').textContent()).toMatch(
      /^A score file holds predictions, not the model/,
    );
    for (const arm of [
      'original',
      'temperature',
      'vector',
      'matrix',
      'dirichlet',
      'histogram',
      'isotonic',
    ]) {
      await page.getByTestId(`arm-row-${arm}`).waitFor();
    }
    expect(await page.getByTestId('arm-row-smoothed').count()).toBe(0);
    expect(await page.getByTestId('smoothing-effect').count()).toBe(0);
    expect(await page.getByTestId('post-hoc-best').textContent()).toMatch(
      /^Best on NLL: .+; best on ECE: .+\.$/,
    );
    expect(await page.locator('[data-testid=post-hoc-trade-offs] li').count()).toBeGreaterThan(6);
    await page.getByTestId('post-hoc').scrollIntoViewIfNeeded();
    await screenshot(page, 'post-hoc-score-file');
    await page.close();
  }, 120_000);
});
