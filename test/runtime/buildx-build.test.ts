// The --strategy buildx hooks where they must stop: no buildx, BuildKit turned off, a builder that
// cannot push a multi-platform list and a docker-container builder that does not start. On the
// suite's engine (the classic image store, like a Docker Hub builder); the builds that succeed run
// in test/e2e/buildx-strategy.test.ts on an engine with the containerd image store.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sortArches } from '../../src/arch.js';
import { renderBuildxHooks } from '../../src/hooks/render-hooks.js';
import { PINS } from '../../src/pins.js';
import { cleanupTemps, hookEnv, hubBuildEnv, readDockerLog, tmpGitRepo } from '../support/env.js';
import { run } from '../support/proc.js';
import { runHook, uniqueRepo } from './support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

function buildxRepo() {
  const hooks = renderBuildxHooks({
    version: '0.0.0-test',
    arches: sortArches(['amd64', 'arm32v7', 'arm64v8']),
    dockerfile: 'Dockerfile',
    archTags: true,
    pins: PINS,
  });
  return tmpGitRepo({
    Dockerfile: 'FROM busybox\nRUN uname -m > /arch\n',
    ...Object.fromEntries(hooks.map((h) => [`hooks/${h.name}`, { content: h.content, mode: 0o755 }])),
  });
}

const env = (commit: string, extra: Record<string, string | undefined> = {}) =>
  hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo: uniqueRepo('buildx'), tag: 'latest', dockerfilePath: 'Dockerfile', sourceCommit: commit }),
      ...extra,
    },
  });

/** The hook's last stderr line: the one sentence it stopped with. */
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1)!;

describe('--strategy buildx build hook: where it builds', () => {
  /** build_context (shared with the per-arch build) of the rendered hook, in `<dir>/docker/web/hooks/`, run from `/`. */
  async function locate(dockerfilePath: string) {
    const { dir } = tmpGitRepo({ 'docker/web/Dockerfile': 'FROM busybox\n' });
    const build = buildxRepo().dir;
    const lines = fs.readFileSync(path.join(build, 'hooks/build'), 'utf8').trimEnd().split('\n');
    const lib = path.join(dir, 'docker/web/hooks/build-functions');
    fs.mkdirSync(path.dirname(lib), { recursive: true });
    fs.writeFileSync(lib, lines.slice(0, -1).join('\n') + '\n');
    const r = await run(
      'bash',
      ['-c', 'source "$1" && build_context "$2" fix && echo "$PWD|$CONTEXT|$FILE"', 'bash', lib, dockerfilePath],
      {
        cwd: '/',
      },
    );
    return { ...r, dir: fs.realpathSync(dir) };
  }

  it('a Dockerfile in a subfolder with the build context at the root: the same context as Docker Hub', async () => {
    const r = await locate('docker/web/Dockerfile');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${r.dir}/docker/web|${r.dir}|${r.dir}/docker/web/Dockerfile`);
  });

  it('a DOCKERFILE_PATH that does not lead to the hooks is refused in one sentence', async () => {
    const r = await locate('other/Dockerfile');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      `error: DOCKERFILE_PATH=other/Dockerfile does not lead to ${r.dir}/docker/web, where the hooks ` +
        `are; the Dockerfile and hooks/ must be in the same folder.`,
    );
  });
});

describe('--strategy buildx hooks that cannot build', () => {
  it.each(['pre_build', 'build'] as const)('%s without buildx stops in one sentence naming --strategy per-arch', async (hook) => {
    const { dir, sha } = buildxRepo();
    // STAND-IN (the spy's one exception): this docker answers as a CLI without the buildx plugin.
    const r = await runHook(dir, hook, env(sha, { CMH_DOCKER_NO_BUILDX: '1' }));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      "error: this builder's docker has no buildx plugin, so it cannot build every platform in one " +
        'build: regenerate the files with npx create-multiarch-hooks --strategy per-arch.',
    );
  });

  it('DOCKER_BUILDKIT=0 in the rule stops the build, naming both fixes', async () => {
    const { dir, sha } = buildxRepo();
    const r = await runHook(dir, 'build', env(sha, { DOCKER_BUILDKIT: '0' }));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^error: DOCKER_BUILDKIT=0 .*remove it .*--strategy per-arch\.$/);
  });

  it('pre_build registers nothing when the builder builds every platform already', async () => {
    const { dir, sha } = buildxRepo();
    const e = env(sha);
    const r = await runHook(dir, 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain('builds every platform; no QEMU to register.');
    expect(readDockerLog(e).filter((l) => l.startsWith('docker run'))).toEqual([]);
  });

  it(
    'on the classic image store it builds with a docker-container builder (made once, reused), and ' +
      'one that does not start stops the build naming --strategy per-arch',
    async () => {
      const { dir, sha } = buildxRepo();
      const e = env(sha);
      for (let i = 0; i < 2; i++) {
        const r = await runHook(dir, 'build', e, 300_000);
        expect(r.code, r.out).toBe(1);
        expect(r.stderr).toContain(
          '(docker driver, classic image store) cannot push a multi-platform list; building with the ' +
            'docker-container builder multiarch-hooks.',
        );
        expect(lastLine(r.stderr)).toMatch(
          /^error: the buildx builder multiarch-hooks does not start \(.*\): regenerate the files with npx create-multiarch-hooks --strategy per-arch\.$/,
        );
      }
      // Created the first time only; nothing was built or pushed.
      const calls = readDockerLog(e);
      expect(calls.filter((l) => l.startsWith('docker buildx create'))).toEqual([
        'docker buildx create --name multiarch-hooks --driver docker-container',
      ]);
      expect(calls.filter((l) => l.startsWith('docker buildx build'))).toEqual([]);
      fs.rmSync(path.join(e.DOCKER_CONFIG!, 'buildx'), { recursive: true, force: true });
    },
  );
});
