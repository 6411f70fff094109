// The build hook: Docker Hub's own build command (same Dockerfile, tag and context) plus the
// revision label and the platform, on BuildKit unless DOCKER_BUILDKIT=0. Real builds on the test
// bed's Docker engine, RUN steps under QEMU.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { renderHooks } from '../../src/hooks/render-hooks.js';
import { cleanupTemps, hubBuildEnv, readImageFile, readDockerLog, hookEnv, tmpDir, tmpGitRepo } from '../support/env.js';
import { run } from '../support/proc.js';
import { hookConfig, imageConfig, REVISION_LABEL, runHook, uniqueRepo } from './support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

const hookFiles = (prefix = '', cfg = hookConfig()) =>
  Object.fromEntries(renderHooks(cfg).map((h) => [`${prefix}hooks/${h.name}`, { content: h.content, mode: 0o755 }]));

function buildEnv(repo: string, tag: string, dockerfilePath: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo, tag, dockerfilePath, sourceCommit: 'unused' }),
      SOURCE_COMMIT: undefined,
      ...extra,
    },
  });
}

const buildCalls = (env: NodeJS.ProcessEnv) => readDockerLog(env).filter((l) => /^docker (buildx )?build /.test(l));
const BUILDX = 'docker buildx build --load --provenance=false';

async function pushed(env: NodeJS.ProcessEnv, dir: string): Promise<string> {
  const push = await run('bash', ['-c', 'docker push "$IMAGE_NAME"'], { env, cwd: dir });
  expect(push.code, push.stderr).toBe(0);
  return /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1]!;
}

describe('build hook', () => {
  it("without SOURCE_COMMIT labels the image with git's HEAD, and builds for the arch's platform", async () => {
    const { dir, sha } = tmpGitRepo({ 'Dockerfile.arm64v8': 'FROM arm64v8/busybox\nRUN uname -m > /arch\n', ...hookFiles() });
    const repo = uniqueRepo('build');
    const env = buildEnv(repo, 'arm64v8', 'Dockerfile.arm64v8');
    const r = await runHook(dir, 'build', env);
    expect(r.code, r.out).toBe(0);
    expect(buildCalls(env)).toEqual([
      `${BUILDX} -f Dockerfile.arm64v8 --label ${REVISION_LABEL}=${sha} --platform linux/arm64/v8 -t ${host}/${repo}:arm64v8 .`,
    ]);
    expect(r.stderr).toContain(
      `info: building ${host}/${repo}:arm64v8 for linux/arm64/v8 from Dockerfile.arm64v8 (commit ${sha}) with BuildKit (docker buildx)`,
    );
    const digest = await pushed(env, dir);
    const cfg = await imageConfig(host, repo, digest);
    expect(cfg.config?.Labels?.[REVISION_LABEL]).toBe(sha);
    // BuildKit writes no variant for arm64 (v8 is its only one).
    expect(`${cfg.os}/${cfg.architecture}/${cfg.variant ?? ''}`).toBe('linux/arm64/');
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
      `${BUILDX} -f ${root}/docker/Dockerfile.arm32v7 --label ${REVISION_LABEL}=c0ffee --platform ` +
        `linux/arm/v7 -t ${host}/${repo}:2.0-arm32v7 ${root}`,
    ]);
    const digest = await pushed(env, dir);
    expect(readImageFile(env, `${host}/${repo}@${digest}`, '/greeting')).toBe('hello from the root context\n');
  });

  it('DOCKER_BUILDKIT=0: the legacy builder, still given --platform; RUN steps under QEMU, the arch in the config', async () => {
    const { dir } = tmpGitRepo({ 'Dockerfile.arm32v6': 'FROM arm32v6/busybox\nRUN uname -m > /arch\n', ...hookFiles() });
    const repo = uniqueRepo('classic');
    const env = buildEnv(repo, 'arm32v6', 'Dockerfile.arm32v6', { SOURCE_COMMIT: 'c0ffee', DOCKER_BUILDKIT: '0' });
    const r = await runHook(dir, 'build', env);
    expect(r.code, r.out).toBe(0);
    expect(buildCalls(env)).toEqual([
      `docker build -f Dockerfile.arm32v6 --label ${REVISION_LABEL}=c0ffee --platform linux/arm/v6 -t ${env.IMAGE_NAME} .`,
    ]);
    expect(r.stderr).toContain('with the legacy builder');
    const digest = await pushed(env, dir);
    const cfg = await imageConfig(host, repo, digest);
    expect(cfg.config?.Labels?.[REVISION_LABEL]).toBe('c0ffee');
    expect(`${cfg.os}/${cfg.architecture}`).toBe('linux/arm');
    expect(readImageFile(env, `${host}/${repo}@${digest}`, '/arch').trim()).toBe('armv7l');
  });

  const needsBuildkit = 'FROM --platform=$BUILDPLATFORM busybox AS b\nRUN true\nFROM arm32v7/busybox\nCOPY --from=b /bin/busybox /b\n';
  const bkConfig = () => {
    const cfg = hookConfig();
    return { ...cfg, dockerfiles: cfg.dockerfiles.map((d) => ({ ...d, buildkit: 'FROM --platform=$BUILDPLATFORM (line 1)' })) };
  };

  it('DOCKER_BUILDKIT=0 with a Dockerfile that needs BuildKit: one sentence naming the fix, nothing built', async () => {
    const { dir } = tmpGitRepo({ 'Dockerfile.arm32v7': needsBuildkit, ...hookFiles('', bkConfig()) });
    const env = buildEnv(uniqueRepo('bk-off'), 'arm32v7', 'Dockerfile.arm32v7', { SOURCE_COMMIT: 'c0ffee', DOCKER_BUILDKIT: '0' });
    const r = await runHook(dir, 'build', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: Dockerfile.arm32v7 needs BuildKit (FROM --platform=$BUILDPLATFORM (line 1)), but ' +
        "DOCKER_BUILDKIT=0 in this build's environment selects the legacy builder: remove it from the " +
        "build rule's environment variables in Docker Hub.",
    );
    expect(r.stderr).not.toContain('failed to parse platform');
    expect(buildCalls(env)).toEqual([]);
  });

  it('a docker without buildx: the legacy builder for a Dockerfile it can build, one sentence for one it cannot', async () => {
    const ok = tmpGitRepo({ 'Dockerfile.arm32v7': 'FROM arm32v7/busybox\nRUN true\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('nobuildx'), 'arm32v7', 'Dockerfile.arm32v7', { SOURCE_COMMIT: 'c0ffee', CMH_DOCKER_NO_BUILDX: '1' });
    const r = await runHook(ok.dir, 'build', env);
    expect(r.code, r.out).toBe(0);
    expect(buildCalls(env)).toEqual([
      `docker build -f Dockerfile.arm32v7 --label ${REVISION_LABEL}=c0ffee --platform linux/arm/v7 -t ${env.IMAGE_NAME} .`,
    ]);

    const bk = tmpGitRepo({ 'Dockerfile.arm32v7': needsBuildkit, ...hookFiles('', bkConfig()) });
    const env2 = buildEnv(uniqueRepo('nobuildx'), 'arm32v7', 'Dockerfile.arm32v7', { SOURCE_COMMIT: 'c0ffee', CMH_DOCKER_NO_BUILDX: '1' });
    const r2 = await runHook(bk.dir, 'build', env2);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(
      'but this docker has no buildx plugin, so docker build runs the legacy builder: set DOCKER_BUILDKIT=1 in the build rule',
    );
    expect(buildCalls(env2)).toEqual([]);
  });

  it("DOCKER_BUILDKIT=1 without buildx: the CLI's own BuildKit, --platform; and run from another working directory", async () => {
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\nRUN true\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('bk'), 'amd64', 'Dockerfile', {
      SOURCE_COMMIT: 'c0ffee',
      DOCKER_BUILDKIT: '1',
      CMH_DOCKER_NO_BUILDX: '1',
    });
    const r = await run('bash', [path.join(dir, 'hooks/build')], { cwd: '/', env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('with BuildKit (DOCKER_BUILDKIT=1)');
    expect(buildCalls(env)).toEqual([
      `docker build -f Dockerfile --label ${REVISION_LABEL}=c0ffee --platform linux/amd64 -t ${env.IMAGE_NAME} .`,
    ]);
  });

  it('DOCKERFILE_PATH starting with "-": one sentence, no build', async () => {
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('dash'), 'amd64', '-f', { SOURCE_COMMIT: 'c0ffee' });
    const r = await runHook(dir, 'build', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*-f.*\.$/m);
    expect(buildCalls(env)).toEqual([]);
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
    expect(r.stderr).toContain(
      `error: SOURCE_COMMIT is not set and ${fs.realpathSync(dir)} is not a git checkout; set SOURCE_COMMIT to the commit being built.`,
    );
    expect(buildCalls(env)).toEqual([]);
  });

  it('a missing per-arch Dockerfile: stops, saying to regenerate', async () => {
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\n', ...hookFiles() });
    const env = buildEnv(uniqueRepo('missing'), 'arm64v8', 'Dockerfile.arm64v8', { SOURCE_COMMIT: 'c0ffee' });
    const r = await runHook(dir, 'build', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: ./Dockerfile.arm64v8 does not exist; run npx create-multiarch-hooks to regenerate the per-arch Dockerfiles.',
    );
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });
});
