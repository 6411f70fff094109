/**
 * A small repo with a hand-written .multiarch-hooks.json and plain per-arch Dockerfiles (no
 * generated hooks): for the tests of simulate's own behaviour that must not depend on the
 * generator (Ctrl-C, refusals, CRLF hooks).
 */
import type { RepoFile } from '../support/env.js';
import { tmpGitRepo } from '../support/env.js';

export function handMadeRepo(opts: { repository: string; arches: string[]; hooks?: Record<string, RepoFile> }): {
  dir: string;
  sha: string;
} {
  const rules = opts.arches.map((a) => ({
    arch: a,
    sourceType: 'Branch',
    source: 'main',
    dockerTag: a,
    dockerfile: a === 'amd64' ? 'Dockerfile' : `Dockerfile.${a}`,
    context: '/',
  }));
  const record = {
    generator: 'create-multiarch-hooks',
    version: '0.1.0',
    repository: opts.repository,
    dockerfile: 'Dockerfile',
    branch: 'main',
    arches: opts.arches,
    qemu: 'binfmt',
    publisher: 'docker',
    context: '/',
    tagRegex: '',
    buildRules: rules,
    files: {},
  };
  const files: Record<string, RepoFile> = { '.multiarch-hooks.json': JSON.stringify(record, null, 2) };
  for (const a of opts.arches) {
    files[a === 'amd64' ? 'Dockerfile' : `Dockerfile.${a}`] =
      `FROM ${a === 'amd64' ? '' : `${a}/`}busybox:latest\nRUN uname -m > /built-on\n`;
  }
  for (const [name, f] of Object.entries(opts.hooks ?? {})) files[`hooks/${name}`] = f;
  return tmpGitRepo(files);
}
