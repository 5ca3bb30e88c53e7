import { describe, expect, it } from 'vitest';
import { decodeAhead, type Decoded } from '../../../src/engine/data/image-batches.js';

const shown = (batch: Decoded<number, number>[] | void) =>
  (batch ?? []).map((r) => ('value' in r ? r.value : (r.error as Error).message));

describe('decodeAhead', () => {
  it('decodes one batch ahead of the consumer, never more', async () => {
    const started: number[] = [];
    const decode = async (item: number) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (item === 4) throw new Error('broken');
      return item * 10;
    };
    const items = [0, 1, 2, 3, 4, 5, 6];
    const batches = decodeAhead(items, 3, decode, undefined, 1);
    const first = await batches.next();
    expect(shown(first.value)).toEqual([0, 10, 20]);
    // While the first batch is in use, the second is being decoded, and nothing beyond it.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    const second = await batches.next();
    expect(shown(second.value)).toEqual([30, 'broken', 50]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const third = await batches.next();
    expect(shown(third.value)).toEqual([60]);
    expect((await batches.next()).done).toBe(true);
  });

  it('keeps the asked number of batches in flight', async () => {
    const started: number[] = [];
    const decode = async (item: number) => {
      started.push(item);
      return item;
    };
    const batches = decodeAhead([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2, decode);
    await batches.next();
    // Batch 0 in use, batches 1 and 2 (the default two ahead) being decoded.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    await batches.next();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('decodes the items of a batch side by side', async () => {
    let running = 0;
    let most = 0;
    const decode = async (item: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return item;
    };
    for await (const batch of decodeAhead([1, 2, 3, 4, 5, 6, 7, 8], 4, decode)) {
      expect(batch).toHaveLength(4);
    }
    expect(most).toBeGreaterThanOrEqual(4);
  });

  it('stops with the reason of the signal', async () => {
    const controller = new AbortController();
    const batches = decodeAhead([1, 2, 3, 4], 2, async (i) => i, controller.signal);
    await batches.next();
    controller.abort();
    await expect(batches.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('yields nothing for no items', async () => {
    const batches = decodeAhead([], 4, async (i: number) => i);
    expect((await batches.next()).done).toBe(true);
  });
});
