import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { dropFiles, filesOf } from './drop';
import { openApp, screenshot, startE2E, type E2E } from './harness';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.close();
});

describe('statistical honesty in the views (Chromium)', () => {
  it('does not flag a 1-sample bin, states the rule, and names a small and an empty class', async () => {
    // 300 predictions at 0.99 with 3 wrong (calibrated), and one wrong prediction at 0.9 alone in
    // its bin. The old rule flagged that bin (gap 90 points, Wilson upper end 79% < 90%).
    // A third class never occurs in the labels.
    const rows = ['id,p_0,p_1,p_2,label'];
    for (let i = 0; i < 300; i++) rows.push(`s${i},0.99,0.005,0.005,${i % 100 === 0 ? 1 : 0}`);
    rows.push('lone,0.9,0.05,0.05,1');
    const dir = await tempDir();
    await writeFile(path.join(dir, 'one-sample-bin.csv'), `${rows.join('\n')}\n`);

    const page = await openApp(e2e);
    await page.getByTestId('start-view').waitFor();
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(dir, ['one-sample-bin.csv']));
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });

    expect(await page.getByTestId('flagged-bin').count()).toBe(0);
    // Nor does the reliability diagram mark it, at the audit's binning or any other.
    expect(await page.locator('[data-testid=reliability-diagram] path.flag').count()).toBe(0);
    await page.getByTestId('bin-count-10').click();
    expect(await page.locator('[data-testid=reliability-diagram] path.flag').count()).toBe(0);
    await page.getByTestId('bin-count-15').click();
    const flags = (await page.getByTestId('flags').textContent()) ?? '';
    expect(flags).toMatch(/No equal-width bin is significantly overconfident/);
    expect(await page.getByTestId('flag-rule').textContent()).toMatch(
      /at least 10 predictions.*Holm–Bonferroni/s,
    );
    expect(await page.getByTestId('verdict').getAttribute('data-kind')).toBe('well-calibrated');
    // Class 1 has 4 test samples: a caution names it.
    expect(await page.getByTestId('verdict-notes').textContent()).toMatch(
      /Class 1 has fewer than 10 test samples/,
    );
    // Class 2 has no test samples: named in the verdict's notes and the per-class table, with
    // what its numbers mean.
    expect(await page.getByTestId('verdict-notes').textContent()).toMatch(
      /No test samples of class 2: its recall cannot be measured/,
    );
    expect(await page.getByTestId('empty-classes').textContent()).toMatch(
      /no test samples of 2: recall cannot be\s+measured/,
    );
    // Class 1's large gap (0% recall on 4 samples) is said, with why it is not flagged.
    const largest = ((await page.getByTestId('per-class-summary').textContent()) ?? '').replace(
      /\s+/g,
      ' ',
    );
    expect(largest).toMatch(
      /largest gap 1 \+\d+\.\d pts \(0\.0% recall on 4 samples\), not flagged/,
    );
    // The MCE is the lone bin's: shown with its count and own interval, not a bootstrap interval.
    expect(await page.getByTestId('mce-bin').textContent()).toMatch(/1 sample, accuracy 0\.0%/);
    await screenshot(page, 'audit-one-sample-bin');
    await page.close();
  });
});
