import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCentroidCase, type CentroidCase } from '../helpers/centroid-model';
import { tempDir } from '../helpers/temp-dir';
import { dropFiles, filesOf } from './drop';
import { startE2E, type E2E } from './harness';

/**
 * Every view at 1280x800 and at 800 px wide, light and dark, with a 2-class, the 10-class demo, a
 * 100-class (long class names) and a 1,000-class model: nothing scrolls sideways, the header's
 * buttons stay on screen, every per-class row is shown or paged visibly. Screenshots go to
 * $LAYOUT_SCREENSHOTS (default test-results/layouts) for looking at.
 */
const SHOTS = process.env.LAYOUT_SCREENSHOTS ?? path.resolve('test-results/layouts');
const WIDTHS = [1280, 800] as const;
const THEMES = ['light', 'dark'] as const;

let e2e: E2E;
let dir: string;
const cases: Record<string, CentroidCase> = {};

const LONG = [
  'Northern cardinal (adult male, breeding plumage)',
  'Eastern screech owl, grey morph',
  'Great crested flycatcher',
];

beforeAll(async () => {
  dir = await tempDir('calibration-audit-e2e-layouts-');
  cases.two = await saveCentroidCase(path.join(dir, 'two'), {
    classes: 2,
    perClass: 300,
    features: 8,
    noise: 1.6,
    scale: 9,
    classNames: ['cat', 'dog'],
  });
  cases.hundred = await saveCentroidCase(path.join(dir, 'hundred'), {
    classes: 100,
    perClass: 20,
    noise: 0.9,
    scale: 14,
    classNames: Array.from({ length: 100 }, (_, k) => `${LONG[k % 3]} ${k}`),
  });
  cases.thousand = await saveCentroidCase(path.join(dir, 'thousand'), {
    classes: 1000,
    perClass: 3,
    features: 48,
    noise: 0.7,
    scale: 20,
  });
  e2e = await startE2E();
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Nothing wider than the window, and the header's buttons wholly on screen. */
async function expectFits(page: Page, what: string): Promise<void> {
  // Charts redraw at the new width on the next frames.
  await page.waitForTimeout(250);
  const { scroll, inner, cut, wide } = await page.evaluate(() => {
    const inner = window.innerWidth;
    const cut = Array.from(document.querySelectorAll('header button, header .engine'))
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && (box.right > inner + 0.5 || box.left < -0.5);
      })
      .map((el) => el.textContent?.trim() || el.getAttribute('aria-label'));
    // The innermost elements that reach past the window (what to fix when it does not fit).
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > inner + 0.5)
      .filter(
        (el) => !Array.from(el.children).some((c) => c.getBoundingClientRect().right > inner + 0.5),
      )
      .slice(0, 3)
      .map((el) => {
        const chain: string[] = [];
        for (let e: Element | null = el; e && e !== document.body; e = e.parentElement)
          chain.push(
            `${e.tagName.toLowerCase()}.${(e.getAttribute('class') ?? '').split(' ')[0]}:${Math.round(e.getBoundingClientRect().width)}`,
          );
        return chain.join(' < ');
      });
    return { scroll: document.documentElement.scrollWidth, inner, cut, wide };
  });
  expect(
    scroll,
    `${what}: page is ${scroll} px wide in a ${inner} px window (${wide.join(', ')})`,
  ).toBeLessThanOrEqual(inner);
  expect(cut, `${what}: header items cut off`).toEqual([]);
}

/** No two text labels of a chart overlap (the logit gap's p10 / median / p90, say). */
async function expectNoOverlap(page: Page, selector: string, what: string): Promise<void> {
  const boxes = await page.locator(selector).evaluateAll((els) =>
    els.map((el) => {
      const b = el.getBoundingClientRect();
      return { text: el.textContent ?? '', l: b.left, r: b.right, t: b.top, b: b.bottom };
    }),
  );
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const overlap = a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
      expect(overlap, `${what}: "${a.text}" overlaps "${b.text}"`).toBe(false);
    }
}

/** Each view of the shown audit at both widths and in both themes. */
async function lookAtAudit(page: Page, name: string, classes: number): Promise<void> {
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await expectFits(page, `${name} audit ${width} ${theme}`);
      await expectNoOverlap(
        page,
        '[data-testid=logit-gap-histogram] .marker text',
        `${name} logit gap ${width}`,
      );
      await shot(page, `${name}-audit-${width}-${theme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  // Every class is listed: all rows at once, or pages that say so.
  const table = page.getByTestId('per-class-table');
  const rows = await table.locator('tbody tr').count();
  if (rows < classes) {
    const pager = page.getByTestId('per-class-pager');
    expect(await pager.isVisible()).toBe(true);
    expect((await pager.textContent())?.replace(/\s+/g, ' ')).toMatch(
      new RegExp(`Rows 1–100 of ${classes.toLocaleString('en-US')}`),
    );
  } else {
    expect(rows).toBe(classes);
  }
  const box = await table.boundingBox();
  const wrap = await table.evaluate((el) => {
    const parent = el.parentElement!;
    return { client: parent.clientHeight, scroll: parent.scrollHeight };
  });
  expect(wrap.scroll, 'the per-class table scrolls inside a box').toBeLessThanOrEqual(
    wrap.client + 1,
  );
  expect(box).not.toBeNull();

  // The equal-mass view: distinct axis labels.
  await page.getByTestId('scheme-equal-mass').click();
  const ticks = await page
    .getByTestId('reliability-diagram')
    .locator('.axis-x > g > text')
    .allTextContents();
  expect(ticks.length).toBeGreaterThan(2);
  expect(await page.getByTestId('mass-diagonal').count()).toBe(1);
  expect(new Set(ticks).size, `equal-mass ticks ${ticks.join(' ')}`).toBe(ticks.length);
  await shot(page, `${name}-audit-equal-mass`);
  await page.getByTestId('scheme-equal-width').click();
}

async function runCase(page: Page, c: CentroidCase): Promise<void> {
  await dropFiles(page, '[data-testid=drop-model]', await filesOf(c.modelDir));
  await page.getByTestId('model-summary').waitFor({ timeout: 60_000 });
  await dropFiles(
    page,
    '[data-testid=drop-test-set]',
    await filesOf(path.dirname(c.csv), ['test.csv']),
  );
  await page.getByTestId('test-set-summary').waitFor({ timeout: 60_000 });
  await page.getByTestId('run-audit').click();
  await page.getByTestId('verdict').waitFor({ timeout: 120_000 });
}

describe('layouts that fit, 1280 down to 800 px', () => {
  it('the demo (10 classes): start, audit, fine-tune settings, history, trend', async () => {
    const context = await e2e.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(e2e.host.url);
    await page.getByTestId('start-view').waitFor();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await expectFits(page, `start ${width} ${theme}`);
        await shot(page, `start-${width}-${theme}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });
    await lookAtAudit(page, 'demo', 10);

    await page.getByTestId('open-finetune').click();
    await page.getByTestId('finetune-settings').waitFor();
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await expectFits(page, `fine-tune settings ${width}`);
      await shot(page, `demo-finetune-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-table').waitFor();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await expectFits(page, `history ${width} ${theme}`);
        await shot(page, `history-${width}-${theme}`);
      }
    }
    await page.getByTestId('history-trend').first().click();
    await page.getByTestId('history-view').and(page.locator('[data-pane=trend]')).waitFor();
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await expectFits(page, `trend ${width}`);
      await shot(page, `trend-${width}`);
    }

    // A second audit of the same test set, and the two compared.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${e2e.host.url}#/`);
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });
    // The audit is saved after its verdict shows; the list may first show what it last read.
    await page.locator('[data-testid=save-note][data-saved=true]').waitFor({ timeout: 60_000 });
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-table').waitFor();
    await expect
      .poll(() => page.getByTestId('history-row').count(), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
    await page.getByTestId('history-tick').nth(0).check();
    await page.getByTestId('history-tick').nth(1).check();
    await page.getByTestId('compare-selected').click();
    await page.getByTestId('compare-view').waitFor({ timeout: 60_000 });
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await expectFits(page, `compare ${width} ${theme}`);
        await shot(page, `compare-${width}-${theme}`);
      }
    }
    await context.close();
  }, 300_000);

  for (const [name, classes] of [
    ['two', 2],
    ['hundred', 100],
    ['thousand', 1000],
  ] as const) {
    it(`a ${classes}-class model with a CSV test set`, async () => {
      const context = await e2e.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
      await page.goto(e2e.host.url);
      await runCase(page, cases[name]);
      await lookAtAudit(page, name, classes);
      await context.close();
    }, 300_000);
  }
});
