/**
 * The whole user journey on the example repos, through the built CLI only: generate, commit,
 * `simulate` every Docker Hub build rule against the real local registry (the tests' docker
 * shim sends builds to buildah under real QEMU and `docker manifest` to the real docker CLI),
 * then `verify` the published tag. Also the case verify must fail: a list whose arm64 entry was
 * replaced by an image of another commit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cleanupTemps, readImageFile, REPO_ROOT, hookEnv, tmpDir } from '../support/env.js';
import { run } from '../support/proc.js';
import { git } from '../cli/run-cli.js';

const CLI = path.join(REPO_ROOT, 'bin/create-multiarch-hooks.js');
afterAll(cleanupTemps);

function exampleRepo(name: string): string {
  const dir = tmpDir(`cmh-e2e-${name}-`);
  fs.cpSync(path.join(REPO_ROOT, 'examples', name), dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'example']);
  return dir;
}

async function cli(dir: string, args: string[]) {
  const r = await run(process.execPath, [CLI, ...args], { cwd: dir, env: hookEnv(), timeoutMs: 600_000 });
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
}

// `target` is what BuildKit gives the $BUILDPLATFORM stage (TARGETARCH + TARGETVARIANT), `config`
// what it writes in the image config: it normalizes linux/arm64/v8 to linux/arm64 (v8 is arm64's
// only variant), where the list entry keeps Docker Hub's arm64/v8.
const EXPECTED = [
  { arch: 'amd64', platform: 'linux/amd64', uname: 'x86_64', target: 'amd64', config: 'linux/amd64' },
  { arch: 'arm32v6', platform: 'linux/arm/v6', uname: 'armv7l', target: 'armv6', config: 'linux/arm/v6' },
  { arch: 'arm32v7', platform: 'linux/arm/v7', uname: 'armv7l', target: 'armv7', config: 'linux/arm/v7' },
  { arch: 'arm64v8', platform: 'linux/arm64/v8', uname: 'aarch64', target: 'arm64', config: 'linux/arm64' },
];

describe('generate -> simulate -> verify on examples/cross (multi-stage, cross-compiling)', () => {
  const repository = `e2e/cross-${process.pid}`;
  let dir = '';
  let sha = '';

  it('generates and commits the files', async () => {
    dir = exampleRepo('cross');
    const gen = await cli(dir, ['--yes', '--offline', '--repo', repository, '--publisher', 'docker']);
    expect(gen.code, gen.all).toBe(0);
    // The cross-compiling stage is left alone; the final stage becomes the arch's twin.
    const arm64 = fs.readFileSync(path.join(dir, 'Dockerfile.arm64v8'), 'utf8');
    expect(arm64).toContain('FROM --platform=$BUILDPLATFORM busybox:latest AS build');
    expect(arm64).toContain('FROM arm64v8/busybox:latest\n');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'multi-arch hooks']);
    sha = git(dir, ['rev-parse', 'HEAD']);
  });

  it('simulate runs every rule in parallel and publishes a verified list', async () => {
    const sim = await cli(dir, ['simulate', '--registry', inject('registry'), '--order', 'parallel']);
    expect(sim.code, sim.all).toBe(0);
    for (const e of EXPECTED) expect(sim.stdout).toMatch(new RegExp(`${e.arch}\\b.*passed`));
    const verify = await cli(dir, ['verify', `${inject('registry')}/${repository}:latest`]);
    expect(verify.code, verify.all).toBe(0);
    for (const e of EXPECTED) expect(verify.stdout).toContain(e.platform);
  });

  it.each(EXPECTED)('$arch: the build stage ran natively for the target, the final stage under $platform', (e) => {
    const env = hookEnv();
    const ref = `${inject('registry')}/${repository}:latest`;
    const read = (f: string) => readImageFile(env, ref, f, { platform: e.platform }).trim();
    expect(read('/etc/cross/build-arch')).toBe('x86_64');
    expect(read('/etc/cross/target')).toBe(e.target);
    expect(read('/etc/cross/run-arch')).toBe(e.uname);
    const inspect = JSON.parse(
      execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${inject('registry')}/${repository}:${e.arch}`], {
        encoding: 'utf8',
      }),
    );
    expect(inspect.config.Labels['org.opencontainers.image.revision']).toBe(sha);
    expect([inspect.os, inspect.architecture, inspect.variant].filter(Boolean).join('/')).toBe(e.config);
  });

  it('verify fails, naming the entry, when the list mixes in an image of another commit', async () => {
    const host = inject('registry');
    const env = hookEnv();
    // An arm64 image labelled with another revision, put into a copy of the list by hand.
    const other = `${host}/${repository}:other-arm64v8`;
    const ctx = tmpDir('cmh-e2e-other-');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM arm64v8/busybox:latest\nRUN true\n');
    const build = await run(
      'docker',
      [
        'buildx',
        'build',
        '--load',
        '--provenance=false',
        '--platform',
        'linux/arm64/v8',
        '--label',
        'org.opencontainers.image.revision=0000000000000000000000000000000000000000',
        '-t',
        other,
        ctx,
      ],
      { env, timeoutMs: 300_000 },
    );
    expect(build.code, build.stderr).toBe(0);
    expect((await run('docker', ['push', other], { env })).code).toBe(0);
    const mixed = `${host}/${repository}:mixed`;
    const refs = ['amd64', 'arm32v6', 'arm32v7'].map((a) => `${host}/${repository}:${a}`).concat(other);
    expect((await run('docker', ['manifest', 'create', '--insecure', mixed, ...refs], { env })).code).toBe(0);
    expect(
      (await run('docker', ['manifest', 'annotate', mixed, other, '--os', 'linux', '--arch', 'arm64', '--variant', 'v8'], { env })).code,
    ).toBe(0);
    expect(
      (
        await run(
          'docker',
          ['manifest', 'annotate', mixed, `${host}/${repository}:arm32v6`, '--os', 'linux', '--arch', 'arm', '--variant', 'v6'],
          { env },
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await run(
          'docker',
          ['manifest', 'annotate', mixed, `${host}/${repository}:arm32v7`, '--os', 'linux', '--arch', 'arm', '--variant', 'v7'],
          { env },
        )
      ).code,
    ).toBe(0);
    expect((await run('docker', ['manifest', 'push', '--insecure', '--purge', mixed], { env })).code).toBe(0);
    const verify = await cli(dir, ['verify', mixed]);
    expect(verify.code, verify.all).toBe(1);
    expect(verify.stdout).toMatch(/revision/i);
    expect(verify.stdout).toContain('0000000');
  });
});

describe('generate -> simulate -> verify on examples/hello with the legacy builder (DOCKER_BUILDKIT=0)', () => {
  const repository = `e2e/hello-legacy-${process.pid}`;
  let dir = '';
  let sha = '';

  it('generates, and simulate with DOCKER_BUILDKIT=0 publishes a list verify accepts', async () => {
    dir = exampleRepo('hello');
    const gen = await cli(dir, ['--yes', '--offline', '--repo', repository, '--publisher', 'docker']);
    expect(gen.code, gen.all).toBe(0);
    expect(gen.all).not.toContain('needs BuildKit');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'multiarch hooks']);
    sha = git(dir, ['rev-parse', 'HEAD']);
    const env = hookEnv({ extra: { DOCKER_BUILDKIT: '0' } });
    const sim = await run(process.execPath, [CLI, 'simulate', '--registry', inject('registry'), '--order', 'parallel'], {
      cwd: dir,
      env,
      timeoutMs: 600_000,
    });
    const all = `${sim.stdout}\n${sim.stderr}`;
    expect(sim.code, all).toBe(0);
    const verify = await cli(dir, ['verify', `${inject('registry')}/${repository}:latest`]);
    expect(verify.code, verify.all).toBe(0);
    for (const e of EXPECTED) expect(verify.stdout).toContain(e.platform);
  });

  it.each(EXPECTED)('$arch: the legacy builder ran RUN under QEMU, labelled the commit, and named the arch', (e) => {
    const ref = `${inject('registry')}/${repository}:${e.arch}`;
    expect(readImageFile(hookEnv(), ref, '/etc/built-on-arch').trim()).toBe(e.uname);
    const inspect = JSON.parse(
      execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }),
    );
    expect(inspect.config.Labels['org.opencontainers.image.revision']).toBe(sha);
    // The legacy builder writes the architecture but drops arm's variant: the list entry names it.
    expect(`${inspect.os}/${inspect.architecture}`).toBe(e.platform.split('/').slice(0, 2).join('/'));
  });
});
