/**
 * Docker's word expansion (`$VAR`, `${VAR}`, `${VAR:-word}`, quotes, escapes), done by hand
 * because we need to know where each character of the result came from: the rewriter edits
 * the base image where its text is written (a FROM line or an ARG default), and dockerfile-ast
 * only resolves variables one level deep and gives no positions for what it resolves.
 * Modelled on BuildKit's frontend/dockerfile/shell/lex.go (processStopOn and friends).
 */

/** An expanded word; `pos[i]` is the offset in the Dockerfile source of `text[i]`. */
export interface Resolved {
  text: string;
  pos: number[];
}

/** Why a word cannot be expanded statically. */
export type ExpandProblem =
  { kind: 'undeclared'; name: string } | { kind: 'automatic'; name: string } | { kind: 'unsupported'; detail: string };

export class ExpandError extends Error {
  constructor(readonly problem: ExpandProblem) {
    super(problem.kind);
  }
}

/** A variable in scope: its value, `null` when declared without a default, or why it cannot be known. */
export type Binding = { value: Resolved | null; line: number } | { error: ExpandProblem; line: number };

/** BuildKit defines these for every FROM; their values depend on the build's platforms. */
export const AUTOMATIC_PLATFORM_ARGS = [
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
];

const EMPTY: Resolved = { text: '', pos: [] };

function concat(parts: Resolved[]): Resolved {
  return { text: parts.map((p) => p.text).join(''), pos: parts.flatMap((p) => p.pos) };
}

/**
 * Expands `raw` (the source text starting at offset `start`) with the variables in `env`.
 * A line continuation (escape char + newline) inside the word is skipped, as Docker joins
 * continued lines before it expands anything.
 */
export function expandWord(raw: string, start: number, env: ReadonlyMap<string, Binding>, escape: string): Resolved {
  let i = 0;
  const peek = () => raw[i];
  const atEnd = () => i >= raw.length;
  const skipContinuation = (): boolean => {
    if (raw[i] !== escape) return false;
    const m = /^(\r\n|\n|\r)/.exec(raw.slice(i + 1));
    if (!m) return false;
    i += 1 + m[1].length;
    return true;
  };
  const char = (): Resolved => ({ text: raw[i], pos: [start + i++] });

  const lookup = (name: string): { set: false } | { set: true; value: Resolved; line: number } => {
    const b = env.get(name);
    if (!b) {
      if (AUTOMATIC_PLATFORM_ARGS.includes(name)) throw new ExpandError({ kind: 'automatic', name });
      return { set: false };
    }
    if ('error' in b) throw new ExpandError(b.error);
    return b.value === null ? { set: false } : { set: true, value: b.value, line: b.line };
  };
  /**
   * A bare `$X` / `${X}`. Declared without a default, X is empty, as in Docker's build, which is
   * what Docker Hub runs (no --build-arg): `FROM ${PREFIX}alpine` builds `alpine`. Never declared,
   * it is most likely a typo (Docker expands it to nothing too, with a warning), so it is refused.
   */
  const required = (name: string): Resolved => {
    const v = lookup(name);
    if (v.set) return v.value;
    if (env.has(name)) return EMPTY;
    throw new ExpandError({ kind: 'undeclared', name });
  };

  const name = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(raw.slice(i));
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };

  const dollar = (): Resolved => {
    const dollarAt = i;
    i++;
    if (peek() !== '{') {
      const n = name();
      if (n === '') return { text: '$', pos: [start + dollarAt] };
      return required(n);
    }
    i++;
    const n = name();
    if (n === '') throw new ExpandError({ kind: 'unsupported', detail: raw.slice(dollarAt) });
    const op = peek();
    if (op === undefined) throw new ExpandError({ kind: 'unsupported', detail: `${raw.slice(dollarAt)} without its closing }` });
    if (op === '}') {
      i++;
      return required(n);
    }
    const colon = op === ':';
    const modifier = colon ? raw[i + 1] : op;
    if (modifier !== '-' && modifier !== '+') {
      throw new ExpandError({ kind: 'unsupported', detail: raw.slice(dollarAt, raw.indexOf('}', i) + 1 || undefined) });
    }
    i += colon ? 2 : 1;
    const word = until('}');
    const v = lookup(n);
    // With the colon an empty value counts as unset (POSIX); without it only an unset one does.
    const isSet = v.set && (!colon || v.value.text !== '');
    if (modifier === '-') return isSet && v.set ? v.value : word;
    return isSet ? word : EMPTY;
  };

  const singleQuoted = (): Resolved => {
    i++;
    const parts: Resolved[] = [];
    while (!atEnd() && peek() !== "'") parts.push(char());
    if (atEnd()) throw new ExpandError({ kind: 'unsupported', detail: 'unterminated single quote' });
    i++;
    return concat(parts);
  };

  const doubleQuoted = (): Resolved => {
    i++;
    const parts: Resolved[] = [];
    for (;;) {
      if (atEnd()) throw new ExpandError({ kind: 'unsupported', detail: 'unterminated double quote' });
      if (skipContinuation()) continue;
      if (peek() === '"') {
        i++;
        return concat(parts);
      }
      if (peek() === '$') {
        parts.push(dollar());
        continue;
      }
      if (peek() === escape && ['"', '$', escape].includes(raw[i + 1])) i++;
      parts.push(char());
    }
  };

  function until(stop: string | null): Resolved {
    const parts: Resolved[] = [];
    while (!atEnd()) {
      if (skipContinuation()) continue;
      const c = peek();
      if (stop !== null && c === stop) {
        i++;
        return concat(parts);
      }
      if (c === "'") parts.push(singleQuoted());
      else if (c === '"') parts.push(doubleQuoted());
      else if (c === '$') parts.push(dollar());
      else {
        if (c === escape) {
          i++;
          if (atEnd()) break;
        }
        parts.push(char());
      }
    }
    if (stop !== null) throw new ExpandError({ kind: 'unsupported', detail: `missing '${stop}'` });
    return concat(parts);
  }

  return until(null);
}
