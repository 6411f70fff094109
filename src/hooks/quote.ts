/** Bash words for values the generator writes into hooks and into the commands it prints. */

/** A bash word that means exactly `s`: bare when that is safe, else single-quoted. */
export function shQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  // A `$` or backquote in single quotes reads to shellcheck as a forgotten expansion (SC2016):
  // such values go in double quotes with every special character escaped.
  if (/[$`]/.test(s)) return `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A bash word that means exactly `s`, double-quoted with `\`, `"`, `$` and backquotes escaped:
 * for text that quotes a Dockerfile (`$BUILDPLATFORM`), which shellcheck would take for an
 * expansion someone forgot inside single quotes.
 */
export function shDoubleQuote(s: string): string {
  return `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}
