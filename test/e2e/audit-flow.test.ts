import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { DEMO_MODEL_DIR, DEMO_TEST_DIR } from '../../src/engine/demo';
import { openApp, screenshot, startE2E, type E2E } from './harness';
import { dropFiles, filesOf } from './drop';
import { tempDir } from '../helpers/temp-dir';

let e2e: E2E;
let demoVerdict: string;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.close();
});

const VERDICT =
  /^Overconfident: \d+\.\d% mean confidence, \d+\.\d% accuracy, ECE \d+\.\d% \(95% CI \d+\.\d–\d+\.\d%\)$/;

describe('the audit flow in Chromium', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`tries the demo and shows the verdict, 15 bins and the confident mistakes (${theme})`, async () => {
      const page = await openApp(e2e, theme);
      await page.getByTestId('start-view').waitFor();
      await screenshot(page, `start-${theme}`);
      await page.getByTestId('try-demo').click();
      await page.getByTestId('running-view').waitFor();
      await screenshot(page, `running-${theme}`);
      const verdict = page.getByTestId('verdict');
      await verdict.waitFor({ timeout: 60_000 });
      demoVerdict = (await verdict.textContent())?.trim() ?? '';
      expect(demoVerdict).toMatch(VERDICT);
      expect(await page.getByTestId('reliability-bar').count()).toBe(15);
      const mistakes = page.getByTestId('flagged-mistake');
      expect(await mistakes.count()).toBe(12);
      await expect.poll(() => page.getByTestId('flagged-total').textContent()).toMatch(/203/);
      // Thumbnails of the flagged images load from the test set once the list is scrolled into view.
      await page.getByTestId('flagged-mistakes').scrollIntoViewIfNeeded();
      await page.locator('[data-testid=flagged-mistake] img').first().waitFor();
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll('[data-testid=flagged-mistake] img')).every(
          (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
        ),
      );
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `audit-${theme}`);

      await page.getByTestId('bin-count-10').click();
      expect(await page.getByTestId('reliability-bar').count()).toBe(10);
      await page.getByTestId('scheme-equal-mass').click();
      await expect
        .poll(() => page.getByTestId('reliability-diagram').getAttribute('data-scheme'))
        .toBe('equal-mass');
      await screenshot(page, `audit-equal-mass-${theme}`);

      // The third view: the CORP curve with its consistency band, and the decomposition.
      await page.getByTestId('scheme-corp').click();
      const corp = page.getByTestId('corp-diagram');
      await corp.waitFor();
      expect(Number(await corp.getAttribute('data-points'))).toBeGreaterThan(10);
      expect(await page.getByTestId('reliability-bar').count()).toBe(0);
      expect(await page.getByTestId('corp-brier').textContent()).toMatch(
        /0\.\d{4}\s*= MCB 0\.\d{4} − DSC 0\.\d{4} \+ UNC 0\.\d{4}/,
      );
      expect(await page.getByTestId('metric-netcal-ace').textContent()).toMatch(
        /^netcal ACE\s*7\.9\d?%/,
      );
      await corp.scrollIntoViewIfNeeded();
      await screenshot(page, `audit-corp-${theme}`);
      await page.close();
    });
  }

  it('audits the demo model folder and test set dropped from disk, with the same verdict', async () => {
    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(DEMO_MODEL_DIR));
    await page.getByTestId('model-summary').waitFor();
    expect(await page.getByTestId('model-summary').textContent()).toMatch(/Fashion-MNIST CNN/);
    await dropFiles(page, '[data-testid=drop-test-set]', await filesOf(DEMO_TEST_DIR));
    await page.getByTestId('test-set-summary').waitFor();
    expect(await page.getByTestId('test-set-summary').textContent()).toMatch(/10,000/);
    await screenshot(page, 'start-loaded');
    await page.getByTestId('run-audit').click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect((await verdict.textContent())?.trim()).toBe(demoVerdict);
    await page.close();
  });

  it('audits a score file dropped alone, names it, and says why fine-tuning is not offered', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('start-view').waitFor();
    const fixtures = path.resolve('test/fixtures/scores');
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(fixtures, ['scores.parquet']));
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect((await verdict.textContent())?.trim()).toMatch(VERDICT);
    expect(await page.getByTestId('scores-card').textContent()).toMatch(
      /scores\.parquet.*Parquet/s,
    );
    expect(await page.getByTestId('no-finetune').textContent()).toMatch(/not offered/);
    expect(await page.getByTestId('open-finetune').count()).toBe(0);
    // Confident mistakes are listed by id, without image boxes (a score file has no images).
    expect(await page.getByTestId('flagged-mistake').count()).toBe(12);
    expect(await page.locator('[data-testid=flagged-mistake] .thumb').count()).toBe(0);
    expect(await page.getByTestId('provenance').textContent()).toMatch(/none \(no model runs\)/);
    await screenshot(page, 'audit-score-file');
    await page.close();
  });

  it('audits a dropped Keras .keras file and an ONNX model; fine-tuning is offered for Keras only', async () => {
    const fixtures = path.resolve('test/fixtures/models');
    const fashion = await filesOf(path.join(fixtures, 'fashion-200'));
    for (const [name, label, trainable] of [
      ['keras3-cnn.keras', /Keras model \(\.keras\)/, true],
      ['onnx-cnn.onnx', /ONNX model/, false],
    ] as const) {
      const page = await openApp(e2e);
      await dropFiles(page, '[data-testid=drop-model]', await filesOf(fixtures, [name]));
      await page.getByTestId('model-summary').waitFor();
      expect(await page.getByTestId('model-summary').textContent()).toMatch(label);
      await dropFiles(page, '[data-testid=drop-test-set]', fashion);
      await page.getByTestId('test-set-summary').waitFor();
      expect(await page.getByTestId('test-set-summary').textContent()).toMatch(/200/);
      await page.getByTestId('run-audit').click();
      await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
      if (trainable) {
        await page.getByTestId('open-finetune').waitFor();
      } else {
        const note = page.getByTestId('finetune-unavailable');
        await note.waitFor();
        expect(await note.textContent()).toMatch(
          /ONNX model, which onnxruntime can run but not train/,
        );
        expect(await page.getByTestId('open-finetune').count()).toBe(0);
      }
      await page.close();
    }
  });

  it('cancels a running audit, keeps the inputs, and runs it again', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('try-demo').click();
    await page.getByTestId('running-view').waitFor();
    await page.getByTestId('cancel-audit').click();
    await page.getByTestId('start-view').waitFor();
    await page.getByTestId('model-summary').waitFor();
    await page.getByTestId('test-set-summary').waitFor();
    await page.getByTestId('run-audit').click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect((await verdict.textContent())?.trim()).toBe(demoVerdict);
    await page.close();
  });

  it('shows a broken model.json as a message naming the file, and stays usable', async () => {
    const page = await openApp(e2e);
    const model = await filesOf(DEMO_MODEL_DIR);
    const broken = model.map((file) =>
      file.name === 'model.json' ? { ...file, bytes: file.bytes.subarray(0, 100) } : file,
    );
    await dropFiles(page, '[data-testid=drop-model]', broken);
    const error = page.getByTestId('drop-model-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/model\.json.*not valid JSON/);
    await screenshot(page, 'error-broken-model');
    await dropFiles(page, '[data-testid=drop-model]', model);
    await page.getByTestId('model-summary').waitFor();
    expect(await error.count()).toBe(0);
    await page.close();
  });

  it('names an unreadable image of a test-set folder chosen with the picker as skipped', async () => {
    const folder = await tempDir();
    const png = new PNG({ width: 28, height: 28 });
    png.data.fill(180);
    for (const [className, files] of [
      ['Bag', ['a.png', 'b.png']],
      ['Sneaker', ['c.png']],
    ] as const) {
      await mkdir(path.join(folder, 'shop', className), { recursive: true });
      for (const file of files)
        await writeFile(path.join(folder, 'shop', className, file), PNG.sync.write(png));
    }
    await writeFile(path.join(folder, 'shop', 'Bag', 'broken.png'), 'this is not a picture');

    const page = await openApp(e2e);
    await page.getByTestId('try-demo').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /new audit/i }).click();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('drop-test-set').getByRole('button', { name: 'Folder…' }).click(),
    ]);
    await chooser.setFiles(path.join(folder, 'shop'));
    const summary = page.getByTestId('test-set-summary');
    await summary.waitFor();
    await expect.poll(() => summary.textContent()).toMatch(/Samples\s*3\b/);
    const zone = page.getByTestId('drop-test-set');
    await zone.getByText(/could not be read/).click();
    expect(await zone.textContent()).toMatch(/Bag\/broken\.png — .+/);
    await screenshot(page, 'start-skipped-image');
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await screenshot(page, 'audit-small-test-set');
    await page.close();
  });
});
