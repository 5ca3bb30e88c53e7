/**
 * Child process of the crash test. Saves one audit (and in `finetune` mode one fine-tune), prints
 * `saved <id>` for each, then starts saving a large audit (or a second fine-tune) and, inside its
 * transaction, prints `inside-transaction` and waits to be killed.
 *
 * Usage: node --import tsx crash-writer.ts <database> audit|finetune
 */
import { openHistory } from '../../../src/storage';
import { syntheticAudit, syntheticFinetune } from '../fixtures';

const [file, mode] = process.argv.slice(2);
let stopAt: string | null = null;

const history = await openHistory(file, {
  testHooks: {
    insideTransaction: async (step) => {
      if (step !== stopAt) return;
      process.stdout.write('inside-transaction\n');
      setInterval(() => undefined, 1000);
      await new Promise(() => undefined);
    },
  },
});

const first = syntheticAudit({ seed: 1 });
process.stdout.write(`saved ${await history.saveAudit(first, 'before the crash')}\n`);
if (mode === 'finetune') {
  const finetune = syntheticFinetune(first);
  process.stdout.write(`saved ${await history.saveFinetune(finetune, { auditId: 1 })}\n`);
  stopAt = 'arms';
  await history.saveFinetune(finetune, { auditId: 1, name: 'half-written' });
} else {
  const large = syntheticAudit({ n: 200_000, k: 10, seed: 2, bootstrapResamples: 0 });
  stopAt = 'samples';
  await history.saveAudit(large, 'half-written');
}
process.stdout.write('finished\n');
