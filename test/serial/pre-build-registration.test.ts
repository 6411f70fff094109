// pre_build's registration path for real: a privileged `docker run` of a registration image built
// here from Debian's qemu-user-static (qemu-image.ts) on the test bed's engine re-registers the
// HOST's binfmt handlers. Every other QEMU build depends on them, so this file runs alone (the
// serial tier, after the rest of the suite: scripts/test.sh) and puts them back exactly.
import fs from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BINFMT_DIR, restoreHandlers, saveHandlers, withHandlersRestored } from '../support/binfmt.js';
import { cleanupTemps, hookEnv, hubBuildEnv, readDockerLog, tmpDir } from '../support/env.js';
import { run } from '../support/proc.js';
import { ensureQemuImage } from '../support/qemu-image.js';
import { dockerfileFor, hookConfig, runHook, writeHooks, type ConfigOptions } from '../runtime/support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

function env(archName: string, image: string): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({
        registryHost: host,
        repo: 'acme/reg',
        tag: archName,
        dockerfilePath: dockerfileFor(archName),
        sourceCommit: 'c0ffee',
      }),
      MULTIARCH_QEMU_IMAGE: image,
    },
  });
}

const repoWithHooks = (o: ConfigOptions = {}) => writeHooks(tmpDir('cmh-reg-'), hookConfig(o));
const handlerText = (name: string) => fs.readFileSync(`${BINFMT_DIR}/${name}`, 'utf8');
const unregister = (name: string) => fs.writeFileSync(`${BINFMT_DIR}/${name}`, '-1');

describe('pre_build registers QEMU for real (host binfmt_misc, privileged container)', () => {
  it('the restore helper puts a removed handler back byte for byte', () => {
    const saved = saveHandlers();
    expect(saved.map((h) => h.name)).toEqual(expect.arrayContaining(['qemu-aarch64', 'qemu-arm']));
    unregister('qemu-arm');
    expect(fs.existsSync(`${BINFMT_DIR}/qemu-arm`)).toBe(false);
    restoreHandlers(saved);
    expect(saveHandlers()).toEqual(saved);
  });

  it('a missing handler: registered with the F flag by the image, and an arm64 RUN works after', async () => {
    const qemu = await ensureQemuImage(host);
    const before = saveHandlers();
    await withHandlersRestored(async () => {
      unregister('qemu-aarch64');
      const e = env('arm64v8', qemu.pinned);
      const r = await runHook(repoWithHooks(), 'pre_build', e);
      expect(r.code, r.out).toBe(0);
      expect(readDockerLog(e)).toEqual([`docker run --rm --privileged ${qemu.pinned} --reset -p yes`]);
      expect(r.stderr).toContain(
        `because qemu-aarch64 is not registered in ${BINFMT_DIR}: qemu-aarch64 is enabled with the F ` +
          `flag (interpreter /usr/bin/qemu-aarch64-static)`,
      );
      expect(handlerText('qemu-aarch64')).toMatch(/^enabled\ninterpreter \/usr\/bin\/qemu-aarch64-static\nflags: F\n/);
      const uname = await run('docker', ['run', '--rm', 'arm64v8/busybox', 'uname', '-m'], { env: e });
      expect(uname.stdout.trim(), uname.stderr).toBe('aarch64');
    });
    expect(saveHandlers()).toEqual(before);
  });

  it('--qemu copy: registered without F, interpreter /usr/bin/qemu-arm-static, which the image carries', async () => {
    const qemu = await ensureQemuImage(host);
    const before = saveHandlers();
    await withHandlersRestored(async () => {
      unregister('qemu-arm');
      const e = env('arm32v7', qemu.pinned);
      const r = await runHook(repoWithHooks({ qemu: 'copy' }), 'pre_build', e);
      expect(r.code, r.out).toBe(0);
      expect(readDockerLog(e)).toEqual([`docker run --rm --privileged ${qemu.pinned} --reset`]);
      expect(handlerText('qemu-arm')).toMatch(/^enabled\ninterpreter \/usr\/bin\/qemu-arm-static\nflags: \n/);
    });
    expect(saveHandlers()).toEqual(before);
  });

  it('handlers are restored even when the test body fails', async () => {
    const before = saveHandlers();
    await expect(
      withHandlersRestored(async () => {
        unregister('qemu-aarch64');
        unregister('qemu-arm');
        throw new Error('a failing test');
      }),
    ).rejects.toThrow('a failing test');
    expect(saveHandlers()).toEqual(before);
  });
});
