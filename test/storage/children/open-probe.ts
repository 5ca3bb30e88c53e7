/**
 * Child process of the read-only test (run as an unprivileged user when the tests run as root):
 * opens the history, tries to save an audit, and prints what happened as one JSON line.
 *
 * Usage: node --import tsx open-probe.ts <database> [read]
 * With `read`, opens it as a command that only reads would (access 'read') and does not save.
 */
import { openHistory } from '../../../src/storage';
import { syntheticAudit } from '../fixtures';

const [file, access] = process.argv.slice(2);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
try {
  if (access === 'read') {
    const history = await openHistory(file, { access: 'read' });
    const audits = (await history.listAudits()).length;
    await history.close();
    process.stdout.write(JSON.stringify({ readOnly: history.readOnly, audits }) + '\n');
    process.exit(0);
  }
  const history = await openHistory(file);
  const audits = (await history.listAudits()).length;
  const saveError = await history.saveAudit(syntheticAudit({ seed: 9 })).then(() => null, message);
  await history.close();
  process.stdout.write(JSON.stringify({ readOnly: history.readOnly, audits, saveError }) + '\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ openError: message(error) }) + '\n');
}
