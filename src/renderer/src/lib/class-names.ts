/** K class names: the given ones, and the class index where there is none. */
export function classNamesFor(numClasses: number, names: readonly string[] | null): string[] {
  return Array.from({ length: numClasses }, (_, k) => names?.[k] ?? String(k));
}
