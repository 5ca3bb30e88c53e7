/**
 * A deep copy of plain JSON data (a model topology, say). Not structuredClone: that is Node 17+, and the
 * engine also runs in Electron 22's utility process, which is Node 16.
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
