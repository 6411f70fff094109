// `--strategy per-arch|buildx` through the built CLI: the flag, the prompt, the record, a switch
// of strategy on a re-run and with --check, and the refusals.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitMode, gitStatus, listFiles, removeDir, repoWith, runCli, typedAt } from './run-cli.js';

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
const repo = (files: Record<string, string>) => repoWith(files, { made: repos });
const commitAll = (dir: string) => {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'generated']);
};
const record = (dir: string) =>
  JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')) as {
    strategy?: string;
    buildRules: { sourceType: string; dockerTag: string; dockerfile: string }[];
    files: Record<string, string>;
  };
const SIMPLE = { Dockerfile: 'FROM alpine:3.20\nRUN uname -m > /arch\n' };

describe('--strategy buildx', () => {
  it('writes build, push and pre_build hooks (executable), one rule per source, no per-arch Dockerfile, and records the choice', () => {
    const dir = repo(SIMPLE);
    const r = runCli(dir, ['--yes', '--repo', 'acme/demo', '--strategy', 'buildx']);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(dir)).toEqual([
      '.multiarch-hooks.json',
      'DOCKER_HUB_BUILD_RULES.md',
      'Dockerfile',
      'hooks/.gitattributes',
      'hooks/build',
      'hooks/pre_build',
      'hooks/push',
      'multi-arch-manifest.yaml',
    ]);
    for (const h of ['build', 'pre_build', 'push']) expect(gitMode(dir, `hooks/${h}`)).toBe('100755');
    expect(r.stdout).toMatch(/Branch\s+main\s+latest\s+Dockerfile\s+\//);
    expect(r.stdout).toMatch(/Tag\s+\/\^v\(\[0-9\.\]\+\)\$\/\s+\{\\1\}\s+Dockerfile\s+\//);
    const rec = record(dir);
    expect(rec.strategy).toBe('buildx');
    expect(rec.buildRules.map((b) => b.dockerTag)).toEqual(['latest', '{\\1}']);
    // The hook builds every chosen platform at once and pushes.
    const build = readFileSync(join(dir, 'hooks/build'), 'utf8');
    expect(build).toContain('CMH_PLATFORMS=(linux/amd64 linux/arm/v6 linux/arm/v7 linux/arm64/v8)');
    expect(build).toContain('CMH_ARCH_TAGS=1');
    expect(build).toMatch(/docker buildx build --builder "\$BX_NAME" --platform/);
    // A re-run remembers the strategy; --check agrees.
    expect(runCli(dir, ['--yes']).stdout).toContain('nothing changed');
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('--no-arch-tags is the same choice as for the CI pipelines: the hook pushes only the list', () => {
    const dir = repo(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/demo', '--strategy', 'buildx', '--no-arch-tags']).code).toBe(0);
    expect(readFileSync(join(dir, 'hooks/build'), 'utf8')).toContain('CMH_ARCH_TAGS=0');
  });

  it(
    'refuses a Dockerfile one build cannot serve for every platform, naming the reason and ' +
      '--strategy per-arch (exit 2, nothing written)',
    () => {
      const dir = repo({ Dockerfile: 'FROM --platform=linux/amd64 alpine:3.20 AS tools\nRUN true\nFROM alpine:3.20\n' });
      const r = runCli(dir, ['--yes', '--repo', 'acme/demo', '--strategy', 'buildx']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^error: --strategy buildx builds Dockerfile unchanged for every platform, but .*--platform=linux\/amd64.*use --strategy per-arch/,
      );
      expect(gitStatus(dir)).toEqual([]);
    },
  );

  it('refuses --qemu copy, which only per-arch Dockerfiles can carry', () => {
    const dir = repo(SIMPLE);
    const r = runCli(dir, ['--yes', '--repo', 'acme/demo', '--strategy', 'buildx', '--qemu', 'copy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--qemu copy puts QEMU into per-arch Dockerfiles');
  });

  it('an unknown strategy is a usage error', () => {
    const dir = repo(SIMPLE);
    const r = runCli(dir, ['--yes', '--repo', 'acme/demo', '--strategy', 'bake']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/strategy/);
  });
});

describe('switching strategy', () => {
  it('per-arch -> buildx removes (and stages the removal of) what per-arch generated, keeps a file the user changed, and back', () => {
    const dir = repo(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/demo']).code).toBe(0);
    commitAll(dir);
    writeFileSync(join(dir, 'Dockerfile.arm32v6'), readFileSync(join(dir, 'Dockerfile.arm32v6'), 'utf8') + '# mine\n');

    // --check names what the switch changes and the command that does it.
    const check = runCli(dir, ['--check', '--strategy', 'buildx']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('stale: hooks/post_push');
    expect(check.stdout).toContain('missing: hooks/push');
    expect(check.stdout).toContain('To regenerate them, run: npx create-multiarch-hooks --strategy buildx, then commit.');

    const r = runCli(dir, ['--yes', '--strategy', 'buildx']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/delete\s+Dockerfile\.arm64v8/);
    expect(r.stderr).toContain('Dockerfile.arm32v6 is no longer generated but you changed it, so it stays');
    expect(listFiles(dir)).toEqual([
      '.multiarch-hooks.json',
      'DOCKER_HUB_BUILD_RULES.md',
      'Dockerfile',
      'Dockerfile.arm32v6',
      'hooks/.gitattributes',
      'hooks/build',
      'hooks/pre_build',
      'hooks/push',
      'multi-arch-manifest.yaml',
    ]);
    const status = gitStatus(dir);
    for (const gone of ['Dockerfile.arm32v7', 'Dockerfile.arm64v8', 'hooks/post_push']) expect(status).toContain(`D  ${gone}`);
    expect(status).toContain('A  hooks/push');
    expect(status).toContain(' M Dockerfile.arm32v6');
    expect(record(dir).strategy).toBe('buildx');
    expect(runCli(dir, ['--check']).code).toBe(0);
    commitAll(dir);

    // And back: the buildx-only push hook goes, the per-arch files come back (the changed one is
    // still the user's: a conflict, kept unless --force).
    git(dir, ['checkout', '-q', 'HEAD~1', '--', 'Dockerfile.arm32v6']);
    git(dir, ['commit', '-qm', 'restore']);
    const back = runCli(dir, ['--yes', '--strategy', 'per-arch']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/delete\s+hooks\/push/);
    expect(existsSync(join(dir, 'hooks/push'))).toBe(false);
    expect(existsSync(join(dir, 'hooks/post_push'))).toBe(true);
    expect(existsSync(join(dir, 'Dockerfile.arm64v8'))).toBe(true);
    expect(record(dir).strategy).toBeUndefined();
  });
});

describe('the prompt', () => {
  it('asks for the strategy after the architectures, refuses an unknown one, and records the answer', () => {
    const dir = repo(SIMPLE);
    const r = typedAt(dir, 'acme/typed\n\nbake\nbuildx\n');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('? Build strategy, per-arch or buildx (per-arch)');
    expect(r.stdout).toContain('Unknown strategy "bake"');
    expect(record(dir).strategy).toBe('buildx');
    expect(existsSync(join(dir, 'hooks/push'))).toBe(true);
  });
});
