/**
 * The folders show the layering: a command (src/generate, src/verify, src/simulate) depends only
 * downward on shared modules (src/registry, src/check, src/record, src/ci, src/dockerfile,
 * src/hooks, src/arch.ts ...), never on another command; shared modules import no command. Only
 * src/cli.ts, which dispatches the commands, imports them all. Read from the sources' imports.
 */
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles } from './support/imports.js';

const COMMANDS = ['generate', 'verify', 'simulate'];
const commandOf = (file: string) => COMMANDS.find((c) => file.startsWith(`${c}/`));

describe('the import graph', () => {
  const files = sourceFiles();
  const edges = files.flatMap((from) =>
    importsOf(from)
      .filter((to) => to.endsWith('.ts'))
      .map((to) => ({ from, to })),
  );

  it('is read (the commands import shared modules)', () => {
    expect(files).toContain('generate/plan.ts');
    expect(edges).toContainEqual({ from: 'generate/plan.ts', to: 'arch.ts' });
    expect(edges).toContainEqual({ from: 'simulate/verify-list.ts', to: 'check/index.ts' });
  });

  it('no command imports another command', () => {
    const wrong = edges.filter((e) => commandOf(e.from) && commandOf(e.to) && commandOf(e.from) !== commandOf(e.to));
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('no shared module imports a command', () => {
    const wrong = edges.filter((e) => !commandOf(e.from) && e.from !== 'cli.ts' && commandOf(e.to));
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('one Handlebars set-up: only src/templates.ts loads handlebars', () => {
    expect(files.filter((f) => importsOf(f).includes('handlebars'))).toEqual(['templates.ts']);
  });
});
