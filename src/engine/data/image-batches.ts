/** One item's outcome: its decoded value, or the error that stopped it (never thrown). */
export type Decoded<T, V> = { item: T; value: V } | { item: T; error: unknown };

async function settle<T, V>(item: T, decode: (item: T) => Promise<V>): Promise<Decoded<T, V>> {
  try {
    return { item, value: await decode(item) };
  } catch (error) {
    return { item, error };
  }
}

/**
 * Decodes `items` in batches of `batchSize`, one batch ahead of the consumer: every decode of
 * batch n + 1 is started (all of them at once, so that libuv's thread pool keeps working while
 * the JavaScript thread is busy predicting batch n) before batch n is handed out. At most two
 * batches exist at a time (the one being used and the one being decoded), so memory does not grow
 * with the number of items. A failed item is reported in its batch, not thrown; an aborted signal
 * ends the sequence with its reason.
 */
export async function* decodeAhead<T, V>(
  items: readonly T[],
  batchSize: number,
  decode: (item: T) => Promise<V>,
  signal?: AbortSignal,
): AsyncGenerator<Decoded<T, V>[]> {
  const start = (from: number) =>
    Promise.all(items.slice(from, from + batchSize).map((item) => settle(item, decode)));
  let pending = items.length > 0 ? start(0) : null;
  for (let from = 0; pending; from += batchSize) {
    signal?.throwIfAborted();
    const ready = await pending;
    signal?.throwIfAborted();
    pending = from + batchSize < items.length ? start(from + batchSize) : null;
    yield ready;
  }
}
