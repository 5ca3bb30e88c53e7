/**
 * The service both hosts share, as a compromised renderer would call it: only what the user chose
 * opens; work is bounded (one audit or fine-tune at a time, a short visible queue, then "busy").
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostEvent, InputRef } from '../../src/shared/api';
import { RESOURCES_DIR } from '../../src/engine/demo';
import { EngineClient } from '../../src/engine/worker/engine-client';
import { toApiError } from '../../src/host/api-errors';
import { createAppService, type AppService } from '../../src/host/app-service';
import { demoInputs } from '../../src/host/demo-inputs';
import { FileGrants } from '../../src/host/file-grants';
import { BusyError } from '../../src/host/task-queue';
import { tempDir } from '../helpers/temp-dir';
import { saveTinyModel } from '../helpers/tiny-models';

let engine: EngineClient;
let service: AppService;
let model: InputRef;
let testSet: InputRef;
let secret: InputRef;
const events: HostEvent[] = [];

beforeAll(async () => {
  const dir = await tempDir();
  model = { path: path.join(dir, 'chosen', 'model'), label: 'model' };
  testSet = { path: path.join(dir, 'chosen', 'test.csv'), label: 'test.csv' };
  secret = { path: path.join(dir, 'secret.csv'), label: 'secret.csv' };
  await saveTinyModel(model.path, { features: 4, classes: 2 });
  const rows = Array.from({ length: 400 }, (_, i) => `${i % 2},${i % 7},${i % 5},${i % 3},1`);
  await writeFile(testSet.path, `label,a,b,c,d\n${rows.join('\n')}\n`);
  await writeFile(secret.path, 'root:x:0:0:root:/root:/bin/bash\n');
  const grants = new FileGrants();
  await grants.grant(path.join(dir, 'chosen'));
  engine = new EngineClient();
  service = createAppService({
    engine,
    demo: demoInputs(RESOURCES_DIR),
    stagingDir: path.join(dir, 'staging'),
    grants,
    tasks: { running: 1, waiting: 1 },
    emit: (event) => events.push(event),
  });
});

afterAll(() => engine.close());

describe('a renderer asking for files the user did not choose', () => {
  it('is refused on every call that opens a file, quoting nothing of it', async () => {
    const refused =
      /secret\.csv: was not opened in this window \(drop it, or choose it with Open…\); refused\.$/;
    const calls: [string, () => Promise<unknown>][] = [
      ['inspectTestSet', () => service.inspectTestSet(secret, model)],
      ['inspectModel', () => service.inspectModel(secret)],
      ['thumbnail', () => service.thumbnail(secret, model, 'row:1')],
      ['startAudit', () => service.startAudit({ model, testSet: secret })],
      ['startFinetune', () => service.startFinetune({ model, testSet: secret, alpha: 0.1 })],
      [
        'startFinetune (trainSet)',
        () => service.startFinetune({ model, testSet, trainSet: secret, alpha: 0.1 }),
      ],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(toApiError(error), name).toMatchObject({
        kind: 'input',
        message: expect.stringMatching(refused),
      });
      expect(String((error as Error).message)).not.toMatch(/root:x/);
    }
    // Nothing was started for the refused tasks.
    expect(events).toEqual([]);
  });

  it('opens what was granted', async () => {
    const summary = await service.inspectTestSet(testSet, model);
    expect(summary.sampleCount).toBe(400);
  });
});

describe('bounded work', () => {
  it('runs one audit at a time, shows the next its place in line, and refuses beyond it', async () => {
    const first = await service.startAudit({ model, testSet, bootstrapResamples: 200 });
    const second = await service.startAudit({ model, testSet, bootstrapResamples: 10 });
    const third = await service.startAudit({ model, testSet }).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(BusyError);
    expect(toApiError(third)).toEqual({
      kind: 'busy',
      message:
        'The host is busy: 1 task running and 1 waiting; start this audit again when one has finished (or cancel one).',
    });
    expect(events).toContainEqual({
      type: 'progress',
      auditId: second.auditId,
      progress: { phase: 'loading', queued: 1 },
    });
    const ended = (id: string) =>
      events.find((e) => 'auditId' in e && e.auditId === id && e.type !== 'progress');
    await expect.poll(() => ended(second.auditId), { timeout: 60_000 }).toBeTruthy();
    // The second began only after the first ended.
    const firstEnd = events.indexOf(ended(first.auditId) as HostEvent);
    const secondWork = events.findIndex(
      (e) =>
        e.type === 'progress' && e.auditId === second.auditId && e.progress.queued === undefined,
    );
    expect(firstEnd).toBeGreaterThanOrEqual(0);
    expect(secondWork).toBeGreaterThan(firstEnd);
    expect(ended(second.auditId)?.type).toBe('done');
  });

  it('lets a waiting audit be cancelled before it starts', async () => {
    const running = await service.startAudit({ model, testSet, bootstrapResamples: 200 });
    const waiting = await service.startAudit({ model, testSet });
    await service.cancelAudit(waiting.auditId);
    await expect
      .poll(() => events.find((e) => e.type === 'cancelled' && e.auditId === waiting.auditId))
      .toBeTruthy();
    await expect
      .poll(() => events.find((e) => e.type === 'done' && e.auditId === running.auditId), {
        timeout: 60_000,
      })
      .toBeTruthy();
  });
});
