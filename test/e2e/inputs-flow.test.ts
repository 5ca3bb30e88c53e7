import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR } from '../../src/engine/demo';
import { saveTinyModel } from '../helpers/tiny-models';
import { tempDir } from '../helpers/temp-dir';
import { dropFiles, filesOf } from './drop';
import { openApp, screenshot, startE2E, type E2E } from './harness';

const SPECIES = ['setosa', 'versicolor', 'virginica'];
let e2e: E2E;
let dir: string;
let modelDir: string;

/** A CSV of 4 features, its label column named `column`, `rows` rows labelled by the model's class names. */
function tabularCsv(column: string, rows: number, extraLabel?: string): string {
  const lines = [`f0,f1,${column},f2,f3`];
  for (let i = 0; i < rows; i++) {
    const label = extraLabel && i === rows - 1 ? extraLabel : SPECIES[i % 3];
    const x = (k: number) => (((i * 7 + k * 13) % 17) / 4 - 2 + (i % 3) * 0.8).toFixed(3);
    lines.push(`${x(0)},${x(1)},${label},${x(2)},${x(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  e2e = await startE2E();
  dir = await tempDir('calibration-audit-inputs-');
  // A small real tabular model (TF.js Layers, 4 features → 3 named classes).
  modelDir = path.join(dir, 'iris-model');
  await saveTinyModel(modelDir, { features: 4, classes: 3, classNames: SPECIES });
});

afterAll(async () => {
  await e2e?.close();
});

describe('opening inputs from the window', () => {
  it('audits a CSV test set picked as a single file, with its label column chosen in the window', async () => {
    const csv = path.join(dir, 'flowers.csv');
    await writeFile(csv, tabularCsv('species', 90));
    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(modelDir));
    await page.getByTestId('model-summary').waitFor();
    // The model can be fine-tuned: said before anything is set up.
    expect(await page.getByTestId('finetune-eligibility').textContent()).toMatch(
      /Fine-tuning: offered\.\s*2 layers with weights can train/,
    );

    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('drop-test-set-choose-files').click(),
    ]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles(csv);
    const preview = page.getByTestId('csv-preview');
    await preview.waitFor();
    // No column is called label/target/class/y: the window asks, and the audit cannot start yet.
    expect(await page.getByTestId('csv-problem').first().textContent()).toMatch(
      /No column is named label, target, class or y/,
    );
    expect(await page.getByTestId('label-column').inputValue()).toBe('');
    expect(await page.getByTestId('run-audit').isDisabled()).toBe(true);
    expect(await page.getByTestId('csv-rows').locator('tbody tr').count()).toBe(8);
    expect(await page.getByTestId('csv-problem').count()).toBe(1);
    expect(await page.getByTestId('drop-test-set').textContent()).toMatch(
      /choose its label column below/,
    );
    await screenshot(page, 'start-csv-no-label');

    await page.getByTestId('label-column').selectOption('species');
    await page.getByTestId('test-set-summary').waitFor();
    expect(await page.getByTestId('csv-features').textContent()).toMatch(
      /4 feature columns\s*— as many as the model takes/,
    );
    const mapping = await page.getByTestId('csv-mapping').textContent();
    expect(mapping).toMatch(/setosa\s*→\s*setosa\s*30/);
    expect(mapping).toMatch(/virginica\s*→\s*virginica\s*30/);
    expect(await page.getByTestId('summary-label-column').textContent()).toBe('species');
    expect(await page.getByTestId('test-set-summary').textContent()).toMatch(/Samples\s*90\b/);
    await screenshot(page, 'start-csv-label-chosen');

    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    // The audit read the chosen column: 90 samples, 3 classes.
    expect(await page.getByTestId('provenance').textContent()).toMatch(/90/);
    await page.close();

    // A new window lists the pair among the recent inputs; one click opens both again, with the
    // label column the audit used.
    const again = await openApp(e2e);
    const recent = again.getByTestId('recent-input').first();
    await recent.waitFor();
    expect(await recent.textContent()).toMatch(/flowers\.csv/);
    await recent.click();
    await again.getByTestId('model-summary').waitFor();
    await again.getByTestId('test-set-summary').waitFor();
    expect(await again.getByTestId('label-column').inputValue()).toBe('species');
    expect(await again.getByTestId('run-audit').isDisabled()).toBe(false);
    await screenshot(again, 'start-recent-inputs');
    await again.close();
  });

  it('tells a model and a test set dropped together apart by their content', async () => {
    const csv = path.join(dir, 'drop', 'measurements.csv');
    await mkdir(path.dirname(csv), { recursive: true });
    await writeFile(csv, tabularCsv('label', 60));
    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-test-set]', [
      ...(await filesOf(modelDir)),
      ...(await filesOf(path.dirname(csv))),
    ]);
    await page.getByTestId('model-summary').waitFor();
    await page.getByTestId('test-set-summary').waitFor();
    expect(await page.getByTestId('drop-note').textContent()).toMatch(
      /Found a model and a test set in what was dropped/,
    );
    expect(await page.getByTestId('drop-model').textContent()).toMatch(/model/);
    expect(await page.getByTestId('drop-test-set').textContent()).toMatch(/measurements\.csv/);
    // The obvious label column was found by its name.
    expect(await page.getByTestId('label-column').inputValue()).toBe('label');
    await screenshot(page, 'start-dropped-together');
    await page.getByTestId('run-audit').click();
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await page.close();
  });

  it('names a CSV label that is no class of the model, and a stray class folder "42"', async () => {
    const csv = path.join(dir, 'roses.csv');
    await writeFile(csv, tabularCsv('label', 30, 'rose'));
    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(modelDir));
    await page.getByTestId('model-summary').waitFor();
    // Dropped on the model's zone by mistake: a CSV test set is told by its content.
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(dir, ['roses.csv']));
    await page.getByTestId('csv-mapping').waitFor();
    expect(await page.getByTestId('drop-note').textContent()).toBe(
      'roses.csv is a test set: it was put in its place.',
    );
    expect(await page.getByTestId('drop-test-set').textContent()).toMatch(/roses\.csv/);
    expect(await page.getByTestId('model-summary').count()).toBe(1);
    expect(await page.getByTestId('csv-problem').textContent()).toMatch(
      /^Label "rose" is not among the model's classes \(the model's classes are "setosa", "versicolor", "virginica"\)\.$/,
    );
    expect(await page.getByTestId('csv-mapping').textContent()).toMatch(/rose\s*→\s*none\s*1/);
    expect(await page.getByTestId('run-audit').isDisabled()).toBe(true);
    await screenshot(page, 'start-csv-unknown-label');

    // An image folder with the demo's classes and a folder "42": the message names "42".
    const folder = path.join(dir, 'shop');
    const png = new PNG({ width: 28, height: 28 });
    png.data.fill(120);
    for (const name of ['Bag', 'Sneaker', 'Trouser', '42']) {
      await mkdir(path.join(folder, name), { recursive: true });
      await writeFile(path.join(folder, name, 'a.png'), PNG.sync.write(png));
    }
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(DEMO_MODEL_DIR));
    await page.getByTestId('model-summary').waitFor();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('drop-test-set').getByRole('button', { name: 'Folder…' }).click(),
    ]);
    await chooser.setFiles(folder);
    const error = page.getByTestId('drop-test-set-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/label "42" is not one of the model's classes/);
    expect(await error.textContent()).not.toMatch(/class-count mismatch/);
    await page.close();
  });

  it('says when a model is opened that an ONNX model cannot be fine-tuned, and why', async () => {
    const page = await openApp(e2e);
    const fixtures = path.resolve('test/fixtures/models');
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(fixtures, ['onnx-cnn.onnx']));
    const note = page.getByTestId('finetune-eligibility');
    await note.waitFor();
    expect(await note.textContent()).toMatch(
      /Fine-tuning: not offered\.[\s\S]*ONNX model, which onnxruntime can run but not train/,
    );
    await screenshot(page, 'start-onnx-not-finetunable');
    await page.close();
  });

  it('counts files as they are uploaded, with a rate and the time left, and cancels the upload', async () => {
    const page = await openApp(e2e);
    const png = new PNG({ width: 28, height: 28 });
    png.data.fill(90);
    const bytes = PNG.sync.write(png);
    const files = Array.from({ length: 1500 }, (_, i) => ({ name: `p${i}.png`, bytes }));
    const status = page.getByTestId('transfer-progress');
    await dropFiles(page, '[data-testid=drop-test-set]', files);
    await status.waitFor({ timeout: 20_000 });
    await expect
      .poll(async () => (await status.textContent())?.replace(/\s+/g, ' '), { timeout: 20_000 })
      .toMatch(
        /Uploading [\d,]+ of 1,500 files \([\d.]+ KB of [\d.]+ KB\) · [\d,]+ files\/s · about .+ left/,
      );
    await screenshot(page, 'start-uploading');
    await page.getByTestId('cancel-transfer').click();
    await page.getByTestId('drop-test-set-choose-files').waitFor();
    expect(await status.count()).toBe(0);
    expect(await page.getByTestId('drop-test-set-error').count()).toBe(0);
    await page.close();
  }, 120_000);

  it('shows done / total, a rate and a live time left while the demo audit runs', async () => {
    const page = await openApp(e2e);
    await page.getByTestId('try-demo').click();
    await page.getByTestId('running-view').waitFor();
    const stats = page.getByTestId('progress-stats');
    const seen: string[] = [];
    await expect
      .poll(
        async () => {
          const text = (await stats.textContent().catch(() => ''))?.replace(/\s+/g, ' ') ?? '';
          seen.push(text);
          return text;
        },
        { timeout: 60_000, interval: 100 },
      )
      .toMatch(
        /[\d,]+ \/ [\d,]+ .*\d+% Rate [\d,]+ (samples|resamples)\/s Time left (< 1 s|\d+ s)/,
      );
    await screenshot(page, 'running-live');
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    await page.close();
  });

  it('says which IDX pair of a Fashion-MNIST folder it used, and which it left out', async () => {
    const page = await openApp(e2e);
    await dropFiles(page, '[data-testid=drop-model]', await filesOf(DEMO_MODEL_DIR));
    await page.getByTestId('model-summary').waitFor();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('drop-test-set-choose-folder').click(),
    ]);
    // Debian's dataset-fashion-mnist: the training and the test pair in one folder.
    await chooser.setFiles('/usr/share/datasets/fashion-mnist');
    const note = page.getByTestId('test-set-note');
    await note.waitFor({ timeout: 60_000 });
    expect(await note.textContent()).toBe(
      'Used the test pair, t10k-images-idx3-ubyte.gz with t10k-labels-idx1-ubyte.gz; left out train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (training).',
    );
    expect(await page.getByTestId('test-set-summary').textContent()).toMatch(/Samples\s*10,000/);
    await screenshot(page, 'start-fashion-mnist-folder');
    await page.close();
  }, 120_000);
});
