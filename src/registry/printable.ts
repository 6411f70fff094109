/**
 * Text from a registry (error messages, media types, platforms, labels) is printed to a
 * terminal; a hostile registry must not be able to move the cursor, rewrite earlier lines, set
 * the window title or hide text with it. Everything a registry supplied goes through these before
 * it is printed.
 *
 * Hand-written: Node's util.stripVTControlCharacters removes whole ANSI sequences only and leaves
 * a lone ESC, BEL, CR, backspace or a C1 control in place, and stripping would hide what the
 * registry sent; here every control character is shown as an escape instead.
 */

/** C0 controls, DEL, C1 controls, and the Unicode line separators and bidi overrides. */
// eslint-disable-next-line no-control-regex -- finding control characters is this regex's job
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw although a terminal acts on it. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `s` with every control character written as `\uXXXX`: safe to print on a terminal. */
export function printable(s: string): string {
  return s.replace(UNSAFE, escape);
}

/**
 * JSON.stringify, with the characters it leaves raw but a terminal acts on (DEL, C1 controls,
 * bidi overrides) escaped as well: the same JSON value, safe to print.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, escape);
}
