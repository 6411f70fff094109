/**
 * The golden go-multistage case, built for real: the repo exactly as the generator writes it (the
 * built CLI run on hooks-fixtures/go-multistage/input with the case's arguments, which the golden
 * test compares with expected/), every Docker Hub rule run by `simulate` with the real
 * docker CLI on the test bed's engine, then `verify`. The `FROM --platform=$BUILDPLATFORM` stage
 * must run natively and be given each arch's TARGETARCH/TARGETVARIANT; the final stage runs
 * under QEMU.
 *
 * What cannot come from a hub here is provided locally, and is named so:
 * - the `# syntax=docker/dockerfile:1` line is dropped (BuildKit would pull that frontend image);
 * - `golang:1.23-alpine` is busybox with a STAND-IN `go` that "builds" a shell program printing the
 *   GOOS/GOARCH/GOARM it was given (the Dockerfile passes TARGETOS/TARGETARCH/TARGETVARIANT);
 * - `alpine:3.20` and its arch twins are busybox with a STAND-IN `apk` that records its arguments.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DOCKER_CLI } from '../support/engine.js';
import { cleanupTemps, hookEnv, readImageFile, REPO_ROOT, tmpDir } from '../support/env.js';
import { run, runOk } from '../support/proc.js';

const CLI = path.join(REPO_ROOT, 'bin/create-multiarch-hooks.js');
const CASE = path.join(REPO_ROOT, 'hooks-fixtures/go-multistage');
afterAll(cleanupTemps);

const GO_STANDIN = `#!/bin/sh
# STAND-IN for the Go toolchain (cannot be fetched here): "go build -o OUT ." writes a program
# that prints the target it was asked to build for, and where it was built.
out=
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then out=$2; fi
  shift
done
mkdir -p "$(dirname "$out")"
printf '#!/bin/sh\\necho "GOOS=%s GOARCH=%s GOARM=%s built-on=%s"\\n' "$GOOS" "$GOARCH" "$GOARM" "$(uname -m)" >"$out"
chmod 755 "$out"
`;
const APK_STANDIN = `#!/bin/sh
# STAND-IN for Alpine's apk (no package index can be reached here): records what it was asked.
echo "apk $*" >>/etc/apk-calls
`;

// Per arch: the platform, the Go target the stage must be given, `uname -m` under QEMU.
const ARCHES = [
  { arch: 'amd64', platform: 'linux/amd64', go: 'GOOS=linux GOARCH=amd64 GOARM=', uname: 'x86_64' },
  { arch: 'arm32v6', platform: 'linux/arm/v6', go: 'GOOS=linux GOARCH=arm GOARM=6', uname: 'armv7l' },
  { arch: 'arm32v7', platform: 'linux/arm/v7', go: 'GOOS=linux GOARCH=arm GOARM=7', uname: 'armv7l' },
  { arch: 'arm64v8', platform: 'linux/arm64/v8', go: 'GOOS=linux GOARCH=arm64 GOARM=', uname: 'aarch64' },
];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

/** Builds `name` (loaded into the engine) from `from` plus `files` at /usr/local/bin or /sbin. */
async function standInImage(name: string, platform: string, from: string, files: Record<string, string>): Promise<void> {
  const ctx = tmpDir('cmh-standin-');
  const lines = [`FROM ${from}`];
  for (const [dest, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(ctx, path.basename(dest)), content);
    lines.push(`COPY --chmod=755 ${path.basename(dest)} ${dest}`);
  }
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
  await runOk(DOCKER_CLI, ['buildx', 'build', '-q', '--load', '--provenance=false', '--platform', platform, '-t', name, ctx], {
    env: { ...process.env, DOCKER_HOST: inject('dockerHost'), DOCKER_CONFIG: path.join(ctx, '.docker') },
  });
}

describe('golden go-multistage, built for real on every arch', () => {
  const host = inject('registry');
  const repository = `acme/goapp`;
  let dir = '';
  let sha = '';

  beforeAll(async () => {
    await standInImage('golang:1.23-alpine', 'linux/amd64', 'busybox', { '/usr/local/bin/go': GO_STANDIN });
    await standInImage('alpine:3.20', 'linux/amd64', 'amd64/busybox', { '/sbin/apk': APK_STANDIN });
    for (const a of ARCHES.filter((x) => x.arch !== 'amd64')) {
      await standInImage(`${a.arch}/alpine:3.20`, a.platform, `${a.arch}/busybox`, { '/sbin/apk': APK_STANDIN });
    }
    dir = tmpDir('cmh-go-multistage-');
    fs.cpSync(path.join(CASE, 'input'), dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'go app');
    const args = (JSON.parse(fs.readFileSync(path.join(CASE, 'case.json'), 'utf8')) as { args: string[] }).args;
    const gen = await run(process.execPath, [CLI, ...args, '--offline'], { cwd: dir, env: hookEnv(), timeoutMs: 120_000 });
    expect(gen.code, gen.stdout + gen.stderr).toBe(0);
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('Dockerfile'))) {
      const file = path.join(dir, f);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^# syntax=docker\/dockerfile:1\n/, ''));
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'go-multistage as generated (less the # syntax= line)');
    sha = git(dir, 'rev-parse', 'HEAD');
  }, 600_000);

  it('simulate runs the four rules (hooks, real docker) and verify accepts the list', async () => {
    const env = hookEnv({ extra: { MULTIARCH_PUBLISHER: 'docker' } });
    const sim = await run(process.execPath, [CLI, 'simulate', '--registry', host, '--order', 'parallel'], {
      cwd: dir,
      env,
      timeoutMs: 600_000,
    });
    expect(sim.code, `${sim.stdout}\n${sim.stderr}`).toBe(0);
    const verify = await run(process.execPath, [CLI, 'verify', `${host}/${repository}:latest`], { cwd: dir, env, timeoutMs: 120_000 });
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    for (const a of ARCHES) expect(verify.stdout).toContain(a.platform);
    expect(verify.stdout).toContain(sha.slice(0, 12));
  });

  it.each(ARCHES)('$arch: the build stage was given its target natively, the final stage ran under $platform', (a) => {
    const env = hookEnv();
    const ref = `${host}/${repository}:latest`;
    const read = (f: string) => readImageFile(env, ref, f, { platform: a.platform });
    expect(read('/usr/local/bin/app')).toContain(`"${a.go} built-on=x86_64"`);
    expect(read('/etc/apk-calls')).toBe('apk add --no-cache ca-certificates\n');
    // The program the stage wrote runs in the arch's image, under QEMU.
    const out = execFileSync(DOCKER_CLI, ['run', '--rm', '--platform', a.platform, ref], {
      env: { ...env, DOCKER_HOST: inject('dockerHost') },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${a.go} built-on=x86_64`);
    const uname = execFileSync(DOCKER_CLI, ['run', '--rm', '--platform', a.platform, '--entrypoint', 'uname', ref, '-m'], {
      env: { ...env, DOCKER_HOST: inject('dockerHost') },
      encoding: 'utf8',
    });
    expect(uname.trim()).toBe(a.uname);
  });
});
