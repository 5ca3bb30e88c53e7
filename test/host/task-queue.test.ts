import { describe, expect, it } from 'vitest';
import { BusyError, TaskQueue } from '../../src/host/task-queue';
import { CancelledError } from '../../src/engine/inference';

describe('TaskQueue', () => {
  it('runs one task at a time, tells the others their place, and refuses beyond the line', async () => {
    const queue = new TaskQueue({ running: 1, waiting: 2 });
    const order: string[] = [];
    const places: Record<string, number[]> = { b: [], c: [] };
    const first = await queue.enter(new AbortController().signal, () => order.push('a waits'));
    const second = queue.enter(new AbortController().signal, (p) => places.b.push(p));
    const third = queue.enter(new AbortController().signal, (p) => places.c.push(p));
    expect(queue.load).toEqual({ running: 1, waiting: 2 });
    expect(() => queue.checkRoom('audit')).toThrow(BusyError);
    expect(() => queue.checkRoom('audit')).toThrow(
      /busy: 1 task running and 2 waiting; start this audit again/,
    );
    first();
    first(); // a second release is ignored
    const releaseB = await second;
    expect(places).toEqual({ b: [1], c: [2, 1] });
    expect(queue.load).toEqual({ running: 1, waiting: 1 });
    releaseB();
    (await third)();
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
    expect(order).toEqual([]);
  });

  it('lets a waiting task be cancelled, and moves the ones behind it up', async () => {
    const queue = new TaskQueue({ running: 1, waiting: 4 });
    const release = await queue.enter(new AbortController().signal, () => undefined);
    const cancel = new AbortController();
    const cancelled = queue.enter(cancel.signal, () => undefined);
    const places: number[] = [];
    const behind = queue.enter(new AbortController().signal, (p) => places.push(p));
    cancel.abort();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(places).toEqual([2, 1]);
    release();
    (await behind)();
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });
});
