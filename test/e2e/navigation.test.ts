import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, screenshot, startE2E, type E2E } from './harness';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.close();
});

describe('every view has an address (browser host, Chromium)', () => {
  it('keeps the view on reload, and back/forward move between views', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('start-view').waitFor();
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });

    // The finished audit was saved: its address names its history id.
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/audit\/\d+$/);
    const auditHash = await page.evaluate(() => location.hash);
    const header = page.locator('header .context');
    expect(await header.textContent()).toBe('Fashion-MNIST CNN (demo) · Fashion-MNIST test split');
    const verdict = await page.getByTestId('verdict').textContent();

    // Reload: the same audit, read back from the history, named the same.
    await page.reload();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => location.hash)).toBe(auditHash);
    expect(await page.getByTestId('verdict').textContent()).toBe(verdict);
    expect(await header.textContent()).toBe('Fashion-MNIST CNN (demo) · Fashion-MNIST test split');

    // To the history and back.
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-view').waitFor();
    expect(await page.evaluate(() => location.hash)).toBe('#/history');
    // The history names it by model, test set and date-time.
    await expect
      .poll(() => page.getByTestId('history-view').textContent())
      .toMatch(/Fashion-MNIST CNN \(demo\) · Fashion-MNIST test split · \d{4}-\d\d-\d\d \d\d:\d\d/);
    await page.reload();
    await page.getByTestId('history-view').waitFor();

    await page.goBack();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => location.hash)).toBe(auditHash);
    await page.goForward();
    await page.getByTestId('history-view').waitFor();
    expect(await page.evaluate(() => location.hash)).toBe('#/history');

    // The trend of the model has its address too, and a reload keeps it.
    await page.getByTestId('history-trend').first().click();
    await page.getByTestId('trend-view').waitFor();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/trend\/[0-9a-f]{64}$/);
    await page.reload();
    await page.getByTestId('trend-view').waitFor({ timeout: 30_000 });
    await page.goBack();
    await page.getByTestId('history-table').waitFor();
    expect(await page.evaluate(() => location.hash)).toBe('#/history');

    // A typed address of a saved audit opens it.
    await page.goto(`${e2e.host.url}${auditHash}`);
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    await screenshot(page, 'navigation-reloaded-audit');

    // An audit that does not exist: the history says so; the start view's address opens the start view.
    await page.goto(`${e2e.host.url}#/audit/99999`);
    await page.getByTestId('history-error').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => location.hash)).toBe('#/history');
    await page.goto(`${e2e.host.url}#/`);
    await page.getByTestId('start-view').waitFor();
    await page.context().close();
  }, 180_000);
});
