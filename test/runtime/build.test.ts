// The build hook: Docker Hub's own build command (same Dockerfile, tag and context) plus the
// revision label and, under BuildKit, the platform. Real builds (buildah under QEMU via the shim).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { renderHooks } from '../../src/hooks/render.js';
import { cleanupTemps, hubBuildEnv, readImageFile, readDockerLog, hookEnv, tmpDir, tmpGitRepo } from '../support/env.js';
import { run } from '../support/proc.js';
import { hookConfig, imageConfig, REVISION_LABEL, runHook, uniqueRepo } from './support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

const hookFiles = (prefix = '') =>
  Object.fromEntries(renderHooks(hookConfig()).map((h) => [`${prefix}hooks/${h.name}`, { content: h.content, mode: 0o755 }]));

function buildEnv(repo: string, tag: string, dockerfilePath: string, extra: Record<string, string | undefined> = {}, serverVersion?: string): NodeJS.ProcessEnv {
  return hookEnv({
    serverVersion,
    extra: { ...hubBuildEnv({ registryHost: host, repo, tag, dockerfilePath, sourceCommit: 'unused' }), SOURCE_COMMIT: undefined, ...extra },
  });
}

const buildCalls = (env: NodeJS.ProcessEnv) => readDockerLog(env).filter((l) => l.startsWith('docker build'));

describe('build hook', () => {
  it("without SOURCE_COMMIT labels the image with git's HEAD, and builds for the arch's platform", async () => {
    const { dir, sha } = tmpGitRepo({ 'Dockerfile.arm64v8': 'FROM arm64v8/busybox\nRUN uname -m > /arch\n', ...hookFiles() });
    const repo = uniqueRepo('build');
    const env = buildEnv(repo, 'arm64v8', 'Dockerfile.arm64v8');
    const r = await runHook(dir, 'build', env);
    expect(r.code, r.out).toBe(0);
    expect(buildCalls(env)).toEqual([
      `docker build -f Dockerfile.arm64v8 --label ${REVISION_LABEL}=${sha} --platform linux/arm64/v8 -t ${host}/${repo}:arm64v8 .`,
    ]);
    expect(r.stderr).toContain(`info: building ${host}/${repo}:arm64v8 for linux/arm64/v8 from Dockerfile.arm64v8 (commit ${sha})`);
    const push = await run('bash', ['-c', 'docker push "$IMAGE_NAME"'], { env, cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1]!;
    const cfg = await imageConfig(host, repo, digest);
    expect(cfg.config?.Labels?.[REVISION_LABEL]).toBe(sha);
    expect(`${cfg.os}/${cfg.architecture}/${cfg.variant}`).toBe('linux/arm64/v8');
    expect(readImageFile(env, `${host}/${repo}@${digest}`, '/arch').trim()).toBe('aarch64');
  });

  it('a Dockerfile in a subfolder with the build context at the root: the same context as Docker Hub', async () => {
    const { dir } = tmpGitRepo({
      'shared/greeting.txt': 'hello from the root context\n',
      'docker/Dockerfile.arm32v7': 'FROM arm32v7/busybox\nCOPY shared/greeting.txt /greeting\n',
      ...hookFiles('docker/'),
    });
    const repo = uniqueRepo('build-sub');
    const env = buildEnv(repo, '2.0-arm32v7', 'docker/Dockerfile.arm32v7', { SOURCE_COMMIT: 'c0ffee' });
    // Docker Hub runs hooks in the Dockerfile's folder.
    const r = await runHook(path.join(dir, 'docker'), 'build', env);
    expect(r.code, r.out).toBe(0);
    const root = fs.realpathSync(dir);
    expect(buildCalls(env)).toEqual([
      `docker build -f ${root}/docker/Dockerfile.arm32v7 --label ${REVISION_LABEL}=c0ffee --platform linux/arm/v7 -t ${host}/${repo}:2.0-arm32v7 ${root}`,
    ]);
    const push = await run('bash', ['-c', 'docker push "$IMAGE_NAME"'], { env, cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1]!;
    expect(readImageFile(env, `${host}/${repo}@${digest}`, '/greeting')).toBe('hello from the root context\n');
  });

  it.each([
    ['DOCKER_BUILDKIT=0 on a current engine', { DOCKER_BUILDKIT: '0' }, undefined],
    ['an engine before 23.0 without DOCKER_BUILDKIT', {}, '20.10.7'],
  ])('the classic builder (%s): no --platform, and it says so', async (_name, extra, serverVersion) => {
    const { dir } = tmpGitRepo({ 'Dockerfile.arm32v6': 'FROM arm32v6/busybox\nRUN true\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('classic'), 'arm32v6', 'Dockerfile.arm32v6', { SOURCE_COMMIT: 'c0ffee', ...extra }, serverVersion);
    const r = await runHook(dir, 'build', env);
    expect(r.code, r.out).toBe(0);
    expect(buildCalls(env)).toHaveLength(1);
    expect(buildCalls(env)[0]).not.toContain('--platform');
    expect(buildCalls(env)[0]).toContain(`--label ${REVISION_LABEL}=c0ffee`);
    expect(r.stderr).toContain('the classic builder takes no --platform, so the list entry alone names linux/arm/v6');
  });

  it('DOCKER_BUILDKIT=1 on an old engine: --platform; and run from another working directory', async () => {
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\nRUN true\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('bk'), 'amd64', 'Dockerfile', { SOURCE_COMMIT: 'c0ffee', DOCKER_BUILDKIT: '1' }, '19.03.15');
    const r = await run('bash', [path.join(dir, 'hooks/build')], { cwd: '/', env });
    expect(r.code, r.stderr).toBe(0);
    expect(buildCalls(env)).toEqual([`docker build -f Dockerfile --label ${REVISION_LABEL}=c0ffee --platform linux/amd64 -t ${env.IMAGE_NAME} .`]);
  });

  it('no SOURCE_COMMIT and no git checkout: stops before building, naming the fix', async () => {
    const dir = tmpDir('cmh-nogit-');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\n');
    for (const [file, f] of Object.entries(hookFiles())) {
      fs.mkdirSync(path.join(dir, 'hooks'), { recursive: true });
      fs.writeFileSync(path.join(dir, file), f.content, { mode: f.mode });
    }
    const env = buildEnv(uniqueRepo('nogit'), 'amd64', 'Dockerfile', { GIT_CEILING_DIRECTORIES: path.dirname(dir) });
    const r = await runHook(dir, 'build', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: SOURCE_COMMIT is not set and ${fs.realpathSync(dir)} is not a git checkout; set SOURCE_COMMIT to the commit being built.`);
    expect(buildCalls(env)).toEqual([]);
  });

  it('a missing per-arch Dockerfile: stops, saying to regenerate', async () => {
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('missing'), 'arm64v8', 'Dockerfile.arm64v8', { SOURCE_COMMIT: 'c0ffee' });
    const r = await runHook(dir, 'build', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: ./Dockerfile.arm64v8 does not exist; run npx create-multiarch-hooks to regenerate the per-arch Dockerfiles.');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });
});
