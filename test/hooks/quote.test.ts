// The two ways the renderer writes text into a hook's configuration must mean the text exactly.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shDoubleQuote, shQuote } from '../../src/hooks/render-hooks.js';

const SAMPLES = [
  'plain',
  '$BUILDPLATFORM in FROM (line 2)',
  '# syntax=docker/dockerfile:1 (line 1) and ${TARGETARCH:-amd64} in FROM (line 4)',
  'quotes " and \' and `uname` and \\ and $(id)',
  'two\nlines',
  '',
];

describe.each([
  ['shQuote', shQuote],
  ['shDoubleQuote', shDoubleQuote],
])('%s', (_name, quote) => {
  it.each(SAMPLES)('bash reads %j back unchanged', (s) => {
    expect(execFileSync('bash', ['-c', `printf '%s' ${quote(s)}`], { encoding: 'utf8' })).toBe(s);
  });
});
