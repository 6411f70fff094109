import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, removeDir, runCli, tempGitRepo, tree, typedAt } from './run-cli.js';

// Adopting a hand-made setup (the seeds' recipe): one confirmation on a terminal, --adopt without
// one, a refusal naming --adopt otherwise; a file doing more than the recipe is never replaced silently.
const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
const FIXTURES = join(ROOT, 'hooks-fixtures');
const repoFrom = (fixture: string) => {
  const dir = tempGitRepo(join(FIXTURES, fixture, 'input'), 'git@github.com:acme/seeded.git');
  repos.push(dir);
  return dir;
};

describe('a hand-made setup on a terminal', () => {
  it('asks once, listing what it replaces, and a yes replaces every file with a .bak copy, keeping the armhf tag', () => {
    const dir = repoFrom('hand-made-seed-adopt');
    const r = typedAt(dir, '\n\n\nyes\n');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('These files are a hand-made multi-arch setup');
    expect(r.stdout).toMatch(/ {2}hooks\/post_push \(hand-made manifest push hook\)/);
    expect(r.stdout.match(/\? Replace them \(a \.bak copy of each is kept\)\?/g)).toHaveLength(1);
    for (const f of ['Dockerfile.arm32v7', 'Dockerfile.arm64v8', 'hooks/pre_build', 'hooks/post_push', 'multi-arch-manifest.yaml'])
      expect(existsSync(join(dir, `${f}.bak`)), f).toBe(true);
    expect(readFileSync(join(dir, 'hooks/post_push'), 'utf8')).toContain('CMH_ARCHES=(amd64 armhf arm64v8)');
    const record = JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8'));
    expect(record.archTagNames).toEqual({ arm32v7: 'armhf' });
  });

  it('a no writes nothing and says how to adopt', () => {
    const dir = repoFrom('hand-made-seed-adopt');
    const before = tree(dir);
    const r = typedAt(dir, '\n\n\nno\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Nothing was written: the hand-made files stay; re-run and answer yes, or pass --adopt, to replace them.');
    expect(tree(dir)).toEqual(before);
  });

  it('asks explicitly, naming what would be lost, when a file does more than the recipe', () => {
    const dir = repoFrom('hand-made-seed-recipe');
    const before = tree(dir);
    const r = typedAt(dir, '\n\n\nn\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('replacing them loses:');
    expect(r.stdout).toContain('hooks/post_push runs `curl -fsS -X POST https://hooks.example.invalid/notify`');
    expect(r.stdout).toContain('Dockerfile.arm64v8 has `RUN apk add --no-cache curl jq` that Dockerfile lacks');
    expect(r.stdout).toContain('? Replace them anyway and lose what is listed above? [y/N]');
    expect(tree(dir)).toEqual(before);
    const yes = typedAt(dir, '\n\n\ny\n');
    expect(yes.status, yes.stdout).toBe(0);
    expect(readFileSync(join(dir, 'hooks/post_push.bak'), 'utf8')).toContain('hooks.example.invalid/notify');
  });
});

describe('a hand-made setup without a terminal', () => {
  it('is refused in one sentence naming --adopt, and --adopt replaces it', () => {
    const dir = repoFrom('hand-made-seed-adopt');
    const before = tree(dir);
    const r = runCli(dir, ['--repo', 'acme/seeded']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .* are a hand-made multi-arch setup \(see above\); re-run with --adopt to replace them/);
    expect(tree(dir)).toEqual(before);
    const adopted = runCli(dir, ['--repo', 'acme/seeded', '--adopt']);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('--adopt refuses a hook that does more than the recipe, naming what would be lost and --force', () => {
    const dir = repoFrom('hand-made-seed-recipe');
    const before = tree(dir);
    const r = runCli(dir, ['--repo', 'acme/seeded', '--adopt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hooks/post_push runs `curl -fsS -X POST https://hooks.example.invalid/notify`');
    expect(r.stderr).toContain('re-run with --force to replace them anyway');
    expect(tree(dir)).toEqual(before);
  });

  it('--adopt does not replace a file that is not a hand-made setup: the --force refusal stands', () => {
    const dir = repoFrom('hand-made-seed-adopt');
    const r0 = runCli(dir, ['--repo', 'acme/seeded', '--adopt']);
    expect(r0.code, r0.stderr).toBe(0);
    // A generated file changed by hand afterwards is no hand-made setup.
    const gen = join(dir, 'DOCKER_HUB_BUILD_RULES.md');
    spawnSync('sh', ['-c', `echo extra >> '${gen}'`]);
    const r = runCli(dir, ['--adopt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Refusing to overwrite DOCKER_HUB_BUILD_RULES\.md .*--force/);
  });
});
