/** One item's outcome: its decoded value, or the error that stopped it (never thrown). */
export type Decoded<T, V> = { item: T; value: V } | { item: T; error: unknown };

async function settle<T, V>(item: T, decode: (item: T) => Promise<V>): Promise<Decoded<T, V>> {
  try {
    return { item, value: await decode(item) };
  } catch (error) {
    return { item, error };
  }
}

/** Batches decoded ahead of the one in use: enough to ride out slow files, few enough to stay small. */
export const BATCHES_AHEAD = 2;

/**
 * Decodes `items` in batches of `batchSize`, ahead of the consumer: before batch n is handed out,
 * every decode of batches n + 1 .. n + `ahead` has been started (all at once, so that libuv's thread
 * pool keeps working while the JavaScript thread is busy predicting batch n). At most `ahead` + 1
 * batches exist at a time, so memory does not grow with the number of items. A failed item is
 * reported in its batch, not thrown; an aborted signal ends the sequence with its reason.
 */
export async function* decodeAhead<T, V>(
  items: readonly T[],
  batchSize: number,
  decode: (item: T) => Promise<V>,
  signal?: AbortSignal,
  ahead = BATCHES_AHEAD,
): AsyncGenerator<Decoded<T, V>[]> {
  const pending: Promise<Decoded<T, V>[]>[] = [];
  let next = 0;
  const fill = (count: number) => {
    while (pending.length < count && next < items.length) {
      const from = next;
      next += batchSize;
      pending.push(
        Promise.all(items.slice(from, from + batchSize).map((item) => settle(item, decode))),
      );
    }
  };
  fill(1);
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const ready = await (pending.shift() as Promise<Decoded<T, V>[]>);
    signal?.throwIfAborted();
    fill(ahead);
    yield ready;
  }
}
