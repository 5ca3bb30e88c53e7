import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitPostHocArms } from '../../../src/core';
import { InputError } from '../../../src/engine/input-error';
import {
  finetuneNotOffered,
  runPostHocComparison,
} from '../../../src/engine/finetune/post-hoc-only';
import { runAudit } from '../../../src/engine/audit';
import { tempDir } from '../../helpers/temp-dir';

const LOGITS = path.resolve('test/fixtures/scores/logits.csv');

describe('runPostHocComparison (the post-hoc arms alone, on a score file)', () => {
  it('splits the rows in halves, fits on one and measures every arm on the other, as the audit reads them', async () => {
    const { document } = await runPostHocComparison({
      scoresPath: LOGITS,
      bootstrapResamples: 0,
      seed: 4,
    });
    const audit = await runAudit({ scoresPath: LOGITS, bootstrapResamples: 0 });
    const { labels, logits } = audit.samples;
    const rowOf = (id: string) => Number(id.slice(4)) - 1;
    const calibration = Int32Array.from(document.split.calibration.ids, rowOf);
    const evaluation = Int32Array.from(document.split.evaluation.ids, rowOf);
    const arms = fitPostHocArms(
      { logits: logits!, labels, numClasses: 3 },
      { calibration, evaluation },
    );
    for (const arm of arms) {
      expect(document.arms[arm.id]!.calibrator!.parameters).toEqual(arm.fitted.parameters);
    }
    expect(document.settings.seed).toBe(4);
    expect(document.finetuneNotOffered).toBe(finetuneNotOffered(null));
  });

  it('refuses, naming the file, too few rows to fit on one half and measure on the other', async () => {
    const file = path.join(await tempDir(), 'three.csv');
    await writeFile(file, 'label,logit_0,logit_1\n0,1,0\n1,0,1\n0,2,0\n');
    const failure = runPostHocComparison({ scoresPath: file, bootstrapResamples: 0 });
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(/three\.csv.*too few/);
  });
});
