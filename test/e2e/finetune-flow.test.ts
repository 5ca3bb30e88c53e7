import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/model/load-model';
import { tempDir } from '../helpers/temp-dir';
import { saveTinyModel } from '../helpers/tiny-models';
import { dropFiles, filesOf } from './drop';
import { openApp, screenshot, startE2E, type E2E } from './harness';

const run = promisify(execFile);
let e2e: E2E;
let dir: string;

beforeAll(async () => {
  e2e = await startE2E();
  dir = await tempDir();
});

afterAll(async () => {
  await e2e?.close();
});

describe('fine-tuning in Chromium', () => {
  it('shows the smoothed target and the optimum logit gap of the worked example (K = 3, alpha = 0.1)', async () => {
    const model = path.join(dir, 'three-classes');
    await saveTinyModel(model, { classNames: ['a', 'b', 'c'] });
    const rows = ['f1,f2,f3,f4,label'];
    for (let i = 0; i < 90; i++)
      rows.push(`${i % 7},${(i * 3) % 5},${i % 2},${(i % 11) / 10},${'abc'[i % 3]}`);
    await writeFile(path.join(dir, 'three.csv'), rows.join('\n') + '\n');

    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(model));
    await page.getByTestId('model-summary').waitFor();
    await dropFiles(page, '[data-testid=drop-test-set]', await filesOf(dir, ['three.csv']));
    await page.getByTestId('test-set-summary').waitFor();
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await page.getByTestId('open-finetune').click();
    await page.getByTestId('alpha-input').fill('0.1');
    await expect
      .poll(() => page.getByTestId('smoothed-target').textContent())
      .toBe('(0.933, 0.033, 0.033)');
    expect((await page.getByTestId('optimum-gap').textContent())?.trim()).toBe('3.33');
    await screenshot(page, 'finetune-settings-k3');
    await page.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`fine-tunes the demo, compares the arms and exports a model that loads again (${theme})`, async () => {
      const page = await openApp(e2e, theme);
      await page.getByTestId('try-demo').click();
      await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
      await page.getByTestId('open-finetune').click();
      await page.getByTestId('finetune-settings').waitFor();
      await page.getByTestId('alpha-input').fill('0.1');
      expect((await page.getByTestId('optimum-gap').textContent())?.trim()).toBe('4.51');
      await page.getByTestId('epochs-input').fill('1');
      await screenshot(page, `finetune-settings-${theme}`);
      await page.getByTestId('start-finetune').click();
      await page.getByTestId('finetune-training').waitFor();
      await screenshot(page, `finetune-training-${theme}`);
      const comparison = page.getByTestId('finetune-comparison');
      // Nine arms now (six post-hoc maps fitted and every arm bootstrapped): room for a busy machine.
      await comparison.waitFor({ timeout: 300_000 });
      for (const arm of [
        'original',
        'control',
        'smoothed',
        'temperature',
        'vector',
        'matrix',
        'dirichlet',
        'histogram',
        'isotonic',
      ]) {
        await page.getByTestId(`arm-row-${arm}`).waitFor();
      }
      expect(await page.getByTestId('arm-row-platt').count()).toBe(0);
      expect(await page.getByTestId('best-arms').textContent()).toMatch(
        // Every ranking with the paired interval of the lead ("no clear difference" when it has 0).
        /^Lowest NLL: .+ \(lead [−+]?[\d.]+, 95% CI .+ to .+\); lowest ECE: .+ \(lead [−+]?[\d.]+ pts, 95% CI .+ pts\)\.$/,
      );
      expect(await page.getByTestId('trade-offs').textContent()).toMatch(/\w+/);
      expect(
        Number(await page.getByTestId('optimum-gap-marker').getAttribute('data-value')),
      ).toBeCloseTo(Math.log((1 - 0.1 + 0.01) / 0.01), 2);
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `finetune-comparison-${theme}`);

      if (theme === 'light') {
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-model').click(),
        ]);
        const zip = path.join(dir, 'exported.zip');
        await download.saveAs(zip);
        await run('unzip', ['-q', zip, '-d', path.join(dir, 'exported')]);
        await selectBackend();
        const exported = await loadModel(path.join(dir, 'exported', 'finetuned-model'));
        expect(exported.info.output).toBe('softmax');
        expect(exported.info.classNames).toContain('Ankle boot');
        exported.dispose();

        // Every arm is offered: the Dirichlet arm comes as the original with its map appended.
        const options = await page
          .locator('[data-testid=export-arm] option')
          .evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
        expect(options).toEqual([
          'smoothed',
          'temperature',
          'vector',
          'matrix',
          'dirichlet',
          'histogram',
          'isotonic',
        ]);
        await page.getByTestId('export-arm').selectOption('dirichlet');
        const [calibrated] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-model').click(),
        ]);
        expect(calibrated.suggestedFilename()).toBe('calibrated-model-dirichlet.zip');
        const calibratedZip = path.join(dir, 'calibrated.zip');
        await calibrated.saveAs(calibratedZip);
        await run('unzip', ['-q', calibratedZip, '-d', path.join(dir, 'calibrated')]);
        const dirichlet = await loadModel(
          path.join(dir, 'calibrated', 'calibrated-model-dirichlet'),
        );
        expect(dirichlet.info.output).toBe('softmax');
        expect(dirichlet.info.name).toMatch(/calibrated: Dirichlet calibration/);
        dirichlet.dispose();
        expect(await page.getByTestId('export-result').textContent()).toMatch(
          /Dirichlet calibration/,
        );
      }
      await page.close();
    }, 420_000);
  }
});
