import { expect } from 'vitest';
import { type Arch, findArch, platformString } from '../../src/arch.js';
import { rewriteDockerfile, type RewriteResult } from '../../src/dockerfile/index.js';
import { UserError } from '../../src/errors.js';

export const QEMU_IMAGE = 'docker.io/multiarch/qemu-user-static@sha256:' + 'f'.repeat(64);

export function arch(name: string): Arch {
  const a = findArch(name);
  if (!a) throw new Error(`no arch ${name} in the table`);
  return a;
}

/** The two header lines the rewriter adds for `a` when the file is shown as `file`. */
export function header(a: Arch, file = 'Dockerfile', eol = '\n'): string {
  return (
    `# Generated from ${file} for ${a.name} (${platformString(a.platform)}) by create-multiarch-hooks.${eol}` +
    `# Do not edit by hand: change ${file} and run create-multiarch-hooks again.${eol}`
  );
}

export function rewrite(source: string, archName: string, qemu: 'binfmt' | 'copy' = 'binfmt'): RewriteResult {
  return rewriteDockerfile(source, 'Dockerfile', arch(archName), { qemu, qemuImage: QEMU_IMAGE });
}

/** The rewritten text with the header (which must be at the very top) cut off. */
export function body(source: string, archName: string, qemu: 'binfmt' | 'copy' = 'binfmt'): string {
  const { content } = rewrite(source, archName, qemu);
  const h = header(arch(archName));
  expect(content.startsWith(h), content).toBe(true);
  return content.slice(h.length);
}

/** The UserError message rewriting `source` throws (fails the test if it throws nothing or something else). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}
