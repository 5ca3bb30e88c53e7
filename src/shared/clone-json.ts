/**
 * A deep copy of plain JSON data (a model topology; the renderer's API arguments, which may be Svelte
 * state proxies that Electron 22's context bridge cannot clone). Not structuredClone: that is Node 17+,
 * and the engine also runs in Electron 22's utility process, which is Node 16.
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
