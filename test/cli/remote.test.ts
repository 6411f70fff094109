/**
 * What the generator takes from git, as a user expects it: the remote when it is not `origin`, a
 * GitLab subgroup, a --branch the repo does not have; and --check, which asks no network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, removeDir, repoWith, runCli, tree } from './run-cli.js';

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
const SIMPLE = { Dockerfile: 'FROM alpine:3.20\n' };
const repository = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')) as { repository: string }).repository;

/** A repo whose only remotes are `remotes` (name -> url). */
function withRemotes(remotes: Record<string, string>): string {
  const dir = repoWith(SIMPLE, { made: repos });
  git(dir, ['remote', 'remove', 'origin']);
  for (const [name, url] of Object.entries(remotes)) git(dir, ['remote', 'add', name, url]);
  return dir;
}

describe('the repository guessed from the remote', () => {
  it('a single remote not named origin is the one', () => {
    const dir = withRemotes({ github: 'git@github.com:Acme/Only.git' });
    const r = runCli(dir, ['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(repository(dir)).toBe('acme/only');
  });

  it('several remotes, none origin: the one the current branch tracks', () => {
    const dir = withRemotes({ fork: 'https://github.com/me/fork.git', hub: 'https://github.com/acme/tracked.git' });
    git(dir, ['config', 'branch.main.remote', 'hub']);
    git(dir, ['config', 'branch.main.merge', 'refs/heads/main']);
    const r = runCli(dir, ['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(repository(dir)).toBe('acme/tracked');
  });

  it('several remotes, none origin, none tracked: no guess, and the sentence says why', () => {
    const dir = withRemotes({ fork: 'https://github.com/me/fork.git', hub: 'https://github.com/acme/x.git' });
    const before = tree(dir);
    const r = runCli(dir, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: Cannot tell the Docker Hub repository from the git remote (the repo has several remotes ' +
        '(fork, hub) and none is origin); pass it with --repo namespace/name (e.g. --repo acme/demo).\n',
    );
    expect(tree(dir)).toEqual(before);
  });

  it('origin wins over the others', () => {
    const dir = withRemotes({ upstream: 'https://github.com/other/up.git', origin: 'https://gitlab.com/acme/mine.git' });
    expect(runCli(dir, ['--yes']).code).toBe(0);
    expect(repository(dir)).toBe('acme/mine');
  });

  it.each([
    ['https://gitlab.com/group/sub/app.git', 'group/sub/app'],
    ['git@gitlab.com:group/sub/app.git', 'group/sub/app'],
  ])('a GitLab subgroup (%s) is not cut to two parts: refused with the reason, --repo works', (url, path) => {
    const dir = withRemotes({ origin: url });
    const before = tree(dir);
    const r = runCli(dir, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: Cannot tell the Docker Hub repository from the git remote (the remote's path ${path} has ` +
        `more parts than a Docker Hub namespace/name); pass ` +
        `it with --repo namespace/name (e.g. --repo acme/demo).\n`,
    );
    expect(tree(dir)).toEqual(before);
    expect(runCli(dir, ['--yes', '--repo', 'group/app']).code).toBe(0);
    expect(repository(dir)).toBe('group/app');
  });

  it('two-part paths still work on any host', () => {
    const dir = withRemotes({ origin: 'ssh://git@git.example.com:2222/Team/Service.git' });
    expect(runCli(dir, ['--yes']).code).toBe(0);
    expect(repository(dir)).toBe('team/service');
  });
});

describe('--branch', () => {
  it('a branch the repo does not have (a typo, or one still to be created): a warning naming the branches it has', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    const r = runCli(dir, ['--yes', '--repo', 'acme/b', '--branch', 'nosuch']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'warn: branch "nosuch" is not in this repository (it has main): Docker Hub builds latest only ' +
        'once it is pushed; check --branch if that is a typo.\n',
    );
    // --check and --dry-run say it too (they plan the same choices).
    expect(runCli(dir, ['--check', '--branch', 'nosuch']).stderr).toContain('warn: branch "nosuch" is not in this repository');
  });

  it('a local branch, and a branch known only on a remote, are accepted without a word', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    git(dir, ['branch', 'stable']);
    git(dir, ['update-ref', 'refs/remotes/origin/release', 'HEAD']);
    for (const branch of ['stable', 'release']) {
      const r = runCli(dir, ['--yes', '--repo', 'acme/b', '--branch', branch]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')).branch).toBe(branch);
    }
  });
});

describe('--check asks nothing of Docker Hub', () => {
  it('with a registry that cannot be reached, a run warns and --check does not', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    const unreachable = '127.0.0.1:1';
    const gen = runCli(dir, ['--yes', '--repo', 'acme/c'], { twinRegistry: unreachable });
    expect(gen.code, gen.stderr).toBe(0);
    // The same registry setting makes a normal run ask (and warn), so the check below is meaningful.
    expect(gen.stderr).toContain('warn: could not check that the official base images exist');
    const check = runCli(dir, ['--check'], { twinRegistry: unreachable });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toBe('');
  });
});
