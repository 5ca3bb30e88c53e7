/** Longest excerpt of a user's file that an error message may quote. */
export const MAX_EXCERPT_CHARS = 40;

/**
 * A short, escaped excerpt of text taken from a file, for an error message: at most `max` characters
 * (then "…"), in double quotes, with control, format and line-separator characters escaped as \uXXXX so
 * that a message stays one printable line whatever the file holds.
 */
export function excerpt(text: string, max = MAX_EXCERPT_CHARS): string {
  const chars = Array.from(text);
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
  return `"${cut.replace(/[\\"]|[^\P{C}]|[\u2028\u2029]/gu, escapeChar)}"`;
}

function escapeChar(char: string): string {
  if (char === '"' || char === '\\') return `\\${char}`;
  return Array.from(char)
    .map((c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)
    .join('');
}

/** A path (from a request, not a file) as one printable line: control characters escaped, length capped. */
export function printablePath(location: string, max = 300): string {
  const clipped = location.length > max ? `${location.slice(0, max)}…` : location;
  return clipped.replace(/[^\P{C}]|[\u2028\u2029]/gu, escapeChar);
}
