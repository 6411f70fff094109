// pre_build: nothing for the native arch; QEMU handlers checked in binfmt_misc (the machine's
// real one, or a look-alike folder) and registered when missing or unfit, with bounded retries and
// clear errors. The real registration (a privileged container changing the host's handlers) runs
// alone, in test/serial/pre-build-registration.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PINS } from '../../src/pins.js';
import { cleanupTemps, hubBuildEnv, readDockerLog, hookEnv, tmpDir } from '../support/env.js';
import { dockerfileFor, hookConfig, runHook, writeHooks, type ConfigOptions } from './support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

function repoWithHooks(o: ConfigOptions = {}): string {
  return writeHooks(tmpDir('cmh-pre-'), hookConfig(o));
}

/** An empty binfmt_misc look-alike (`status` enabled), plus `handlers` (name -> file content). */
function binfmtDir(handlers: Record<string, string> = {}): string {
  const dir = tmpDir('cmh-binfmt-');
  fs.writeFileSync(path.join(dir, 'status'), 'enabled\n');
  for (const [name, content] of Object.entries(handlers)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const handler = (interpreter: string, flags: string) =>
  `enabled\ninterpreter ${interpreter}\nflags: ${flags}\noffset 0\nmagic 7f454c46\nmask ffffffff\n`;

function env(archName: string, extra: Record<string, string | undefined> = {}, binfmt?: string): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({
        registryHost: host,
        repo: 'acme/pre',
        tag: archName,
        dockerfilePath: dockerfileFor(archName),
        sourceCommit: 'c0ffee',
      }),
      MULTIARCH_BINFMT_DIR: binfmt,
      MULTIARCH_RETRY_DELAY: '0.01',
      ...extra,
    },
  });
}

/**
 * A FAKE `docker` put before the real one: `run` prints `output` and exits `code`, optionally writing
 * `writes` (handler files) into MULTIARCH_BINFMT_DIR first. Counts its calls. For registrations
 * that fail in ways the real engine here cannot show (a kernel refusing the F flag, no daemon),
 * and to see the hook's decisions against a look-alike binfmt_misc folder.
 */
function fakeDocker(
  e: NodeJS.ProcessEnv,
  o: { output: string; code: number; writes?: Record<string, string> },
): { calls(): number; args(): string[] } {
  const dir = tmpDir('cmh-fake-docker-');
  const count = path.join(dir, 'calls');
  fs.writeFileSync(count, '');
  const writes = Object.entries(o.writes ?? {})
    .map(([n, c]) => `printf '%s' '${c}' >"$MULTIARCH_BINFMT_DIR/${n}"`)
    .join('\n');
  fs.writeFileSync(
    path.join(dir, 'docker'),
    `#!/bin/bash\necho "$*" >>'${count}'\n${writes}\nprintf '%s\\n' '${o.output}' >&2\nexit ${o.code}\n`,
    { mode: 0o755 },
  );
  e.PATH = `${dir}:${e.PATH}`;
  const args = () => fs.readFileSync(count, 'utf8').split('\n').filter(Boolean);
  return { calls: () => args().length, args };
}

describe('pre_build', () => {
  it('does nothing for the native arch', async () => {
    const e = env('amd64', {}, binfmtDir());
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toBe('info: amd64 builds natively; no QEMU needed.\n');
    expect(readDockerLog(e)).toEqual([]);
  });

  it("finds the machine's real qemu-aarch64 handler (F flag) and registers nothing", async () => {
    const e = env('arm64v8');
    expect(e.MULTIARCH_BINFMT_DIR).toBeUndefined();
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toMatch(
      /^info: arm64v8 builds under QEMU: qemu-aarch64 is enabled with the F flag \(interpreter .+\); nothing to do\.\n$/,
    );
    expect(readDockerLog(e)).toEqual([]);
  });

  it('registers a missing handler with the pinned image, --reset -p yes, and says why', async () => {
    const dir = binfmtDir();
    const e = env('arm64v8', {}, dir);
    const fake = fakeDocker(e, { output: 'registered', code: 0, writes: { 'qemu-aarch64': handler('/usr/bin/qemu-aarch64-static', 'F') } });
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(fake.args()).toEqual([`run --rm --privileged ${PINS.qemuImage} --reset -p yes`]);
    expect(r.stderr).toContain(
      `info: registered QEMU with docker run --rm --privileged ${PINS.qemuImage} --reset -p yes ` +
        `because qemu-aarch64 is not registered in ${dir}: qemu-aarch64 is enabled with the F flag`,
    );
  });

  it('re-registers a handler without the F flag, from the MULTIARCH_QEMU_IMAGE mirror', async () => {
    const dir = binfmtDir({ 'qemu-arm': handler('/usr/bin/qemu-arm-static', '') });
    const mirror = `${host}/mirror/qemu-user-static@sha256:${'a'.repeat(64)}`;
    const e = env('arm32v7', { MULTIARCH_QEMU_IMAGE: mirror }, dir);
    const fake = fakeDocker(e, { output: 'registered', code: 0, writes: { 'qemu-arm': handler('/usr/bin/qemu-arm-static', 'F') } });
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(fake.args()).toEqual([`run --rm --privileged ${mirror} --reset -p yes`]);
    expect(r.stderr).toMatch(
      /because qemu-arm is enabled without the F flag, so QEMU would have to be inside the image: qemu-arm is enabled with the F flag/,
    );
  });

  it('--qemu copy: registers without -p yes, so the kernel runs the qemu inside the image', async () => {
    const dir = binfmtDir();
    const e = env('arm32v6', {}, dir);
    const fake = fakeDocker(e, { output: 'registered', code: 0, writes: { 'qemu-arm': handler('/usr/bin/qemu-arm-static', '') } });
    const r = await runHook(repoWithHooks({ qemu: 'copy' }), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(fake.args()).toEqual([`run --rm --privileged ${PINS.qemuImage} --reset`]);
    expect(r.stderr).toMatch(/qemu-arm is enabled with interpreter \/usr\/bin\/qemu-arm-static, which the image carries\.\n$/);
  });

  it('--qemu copy: accepts an existing handler for /usr/bin/qemu-*-static as it is', async () => {
    const e = env('arm64v8', {}, binfmtDir({ 'qemu-aarch64': handler('/usr/bin/qemu-aarch64-static', 'OC') }));
    const r = await runHook(repoWithHooks({ qemu: 'copy' }), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toMatch(/nothing to do/);
    expect(readDockerLog(e)).toEqual([]);
  });

  it('--qemu copy: replaces a handler whose interpreter the image does not carry', async () => {
    const e = env('arm64v8', {}, binfmtDir({ 'qemu-aarch64': handler('/usr/libexec/qemu-binfmt/aarch64-binfmt-P', 'P') }));
    const fake = fakeDocker(e, { output: 'registered', code: 0, writes: { 'qemu-aarch64': handler('/usr/bin/qemu-aarch64-static', '') } });
    const r = await runHook(repoWithHooks({ qemu: 'copy' }), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toMatch(/because qemu-aarch64 runs \/usr\/libexec\/qemu-binfmt\/aarch64-binfmt-P, which the image does not carry/);
    expect(fake.calls()).toBe(1);
  });

  it('a kernel that refuses the F flag: stops at once and says to use --qemu copy', async () => {
    const e = env('arm64v8', {}, binfmtDir());
    const fake = fakeDocker(e, { output: 'sh: write error: Invalid argument', code: 1 });
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code).toBe(1);
    expect(fake.calls()).toBe(1);
    expect(r.stderr).toMatch(
      /error: the kernel \(.+\) refused the QEMU registration .*kernels before 4\.8 have no F flag: regenerate the files with npx create-multiarch-hooks --strategy per-arch --qemu copy\./,
    );
  });

  it('a registration that leaves no F flag: an error naming the fix', async () => {
    const e = env('arm64v8', {}, binfmtDir());
    const fake = fakeDocker(e, { output: 'registered', code: 0, writes: { 'qemu-aarch64': handler('/usr/bin/qemu-aarch64-static', '') } });
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code).toBe(1);
    expect(fake.calls()).toBe(1);
    expect(r.stderr).toMatch(
      /error: after docker run .*, qemu-aarch64 is enabled without the F flag.*kernels before 4\.8 cannot register the F flag: regenerate the files with npx create-multiarch-hooks --strategy per-arch --qemu copy\./,
    );
  });

  it('retries a failing docker run MULTIARCH_RETRIES times, then stops with what to do', async () => {
    const e = env('arm32v7', { MULTIARCH_RETRIES: '2' }, binfmtDir());
    const fake = fakeDocker(e, { output: 'docker: Cannot connect to the Docker daemon.', code: 125 });
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code).toBe(1);
    expect(fake.calls()).toBe(3);
    expect(r.stderr.match(/^warn: docker run .* failed \(exit 125\); retrying in/gm)).toHaveLength(2);
    expect(r.stderr).toMatch(
      /error: docker run --rm --privileged \S+ --reset -p yes failed 3 times \(exit 125\); the builder must allow privileged containers/,
    );
  });

  it('binfmt_misc not mounted where the hook looks: registers, then warns that only the build can tell', async () => {
    const dir = tmpDir('cmh-no-binfmt-');
    const e = env('arm64v8', {}, dir);
    const fake = fakeDocker(e, { output: 'registered', code: 0 });
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code, r.out).toBe(0);
    expect(fake.calls()).toBe(1);
    expect(r.stderr).toMatch(
      /^warn: ran docker run --rm --privileged \S+ --reset -p yes because binfmt_misc is not mounted at \S+, so the registration cannot be checked: the build will tell\.\n$/,
    );
  });

  // pre_build needs only the arch (hooks/build, next, checks the rest of the rule before building).
  it('stops when the tag names no arch, naming the tag scheme', async () => {
    const e = env('amd64', { DOCKER_TAG: 'latest' }, binfmtDir());
    const r = await runHook(repoWithHooks(), 'pre_build', e);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cannot tell which architecture this build is for: DOCKER_TAG=latest ends in none of the generated ones (amd64 arm32v6 arm32v7 arm64v8); name the tag <arch> or <version>-<arch>.\n',
    );
    expect(readDockerLog(e)).toEqual([]);
  });
});
