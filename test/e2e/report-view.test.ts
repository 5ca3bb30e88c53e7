import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.close();
});

describe('the report view in Chromium', () => {
  it('keeps #report= through the token handling and says when the report is unknown', async () => {
    const page = await e2e.browser.newPage();
    await page.goto(`${e2e.host.url}#report=no-such-report`);
    const error = page.getByTestId('report-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/No report no-such-report/);
    expect(await page.getAttribute('html', 'data-report-error')).toMatch(/no-such-report/);
    expect(new URL(page.url()).search).toBe('');
    await page.close();
  });
});
