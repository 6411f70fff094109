import { describe, expect, it } from 'vitest';
import { type Binding, ExpandError, expandWord } from '../../src/dockerfile/expand.js';

/** A binding whose value was written at offset `at` of the source. */
const bound = (text: string, at: number, line = 1): Binding => ({ value: { text, pos: [...text].map((_, i) => at + i) }, line });
const env = (entries: Record<string, Binding>) => new Map(Object.entries(entries));

function problem(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ExpandError);
    return (e as ExpandError).problem;
  }
  throw new Error('expected an ExpandError');
}

describe('expandWord', () => {
  it('keeps the source offset of every character', () => {
    const r = expandWord('x${A}y', 100, env({ A: bound('ab', 7) }), '\\');
    expect(r).toEqual({ text: 'xaby', pos: [100, 7, 8, 105] });
  });

  it.each([
    ['$A', 'v'],
    ['${A}', 'v'],
    ['${A:-d}', 'v'],
    ['${U:-d}', 'd'],
    ['${E:-d}', 'd'],
    ['${E-d}', ''],
    ['${A:+alt}', 'alt'],
    ['${E:+alt}', ''],
    ['${E+alt}', 'alt'],
    ['${N:-${A}x}', 'vx'],
    ['$N', ''],
    ['${N}alpine', 'alpine'],
    ["'$A'", '$A'],
    ['"$A b"', 'v b'],
    ['"\\$A"', '$A'],
    ['\\$A', '$A'],
    ['a\\b', 'ab'],
    ['$', '$'],
    ['$-x', '$-x'],
    ['al\\\npine', 'alpine'],
    ['al\\\r\npine', 'alpine'],
  ])('%j -> %j', (raw, text) => {
    // U: undeclared; N: declared without default; E: empty default.
    const e = env({ A: bound('v', 0), E: bound('', 0), N: { value: null, line: 3 } });
    expect(expandWord(raw, 0, e, '\\').text).toBe(text);
  });

  it('uses the escape directive character', () => {
    expect(expandWord('a`$A`\nb', 0, env({ A: bound('v', 0) }), '`').text).toBe('a$Ab');
  });

  it.each([
    ['${U}', { kind: 'undeclared', name: 'U' }],
    ['$TARGETARCH', { kind: 'automatic', name: 'TARGETARCH' }],
    ['${A#v}', { kind: 'unsupported', detail: '${A#v}' }],
    ['${A', { kind: 'unsupported', detail: '${A without its closing }' }],
    ['${A:-x', { kind: 'unsupported', detail: "missing '}'" }],
    ["'open", { kind: 'unsupported', detail: 'unterminated single quote' }],
    ['$B', { kind: 'undeclared', name: 'X' }],
  ])('%s cannot be resolved', (raw, expected) => {
    const e = env({ A: bound('v', 0), N: { value: null, line: 3 }, B: { error: { kind: 'undeclared', name: 'X' }, line: 4 } });
    expect(problem(() => expandWord(raw, 0, e, '\\'))).toEqual(expected);
  });
});
