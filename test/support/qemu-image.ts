/**
 * The tests' own multiarch/qemu-user-static (the pinned image cannot be pulled here): an amd64
 * busybox image holding Debian's static QEMU binaries at `/usr/bin/qemu-*-static` (those the base
 * image arches need) and, as its entrypoint, engine/qemu-register, which registers them with
 * binfmt_misc like the real image (`--reset`, `-p yes`). Built with the test bed's engine and
 * pushed to `HOST/multiarch/qemu-user-static:latest`. It serves `--qemu copy` builds (COPY --from
 * it) and pre_build's registration path (MULTIARCH_QEMU_IMAGE=`ref@digest`, privileged).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findArch } from '../../src/arch.js';
import { BASE_ARCHES } from './base-images.js';
import { DOCKER_CLI } from './engine.js';
import { dockerHost, tmpDir } from './env.js';
import { runOk } from './proc.js';

export const QEMU_IMAGE_REPO = 'multiarch/qemu-user-static';
const REGISTER = fileURLToPath(new URL('./engine/qemu-register', import.meta.url));

export interface QemuImage {
  /** `HOST/multiarch/qemu-user-static:latest` */
  ref: string;
  /** Manifest digest of the pushed image (`sha256:...`). */
  digest: string;
  /** `HOST/multiarch/qemu-user-static@sha256:...` */
  pinned: string;
  /** Binaries in it, e.g. `qemu-aarch64-static`. */
  binaries: string[];
}

export async function ensureQemuImage(registryHost: string): Promise<QemuImage> {
  const binaries = [...new Set(BASE_ARCHES.map((n) => findArch(n)?.qemu).filter((q): q is string => !!q))];
  const missing = binaries.filter((b) => !fs.existsSync(`/usr/bin/${b}`));
  if (missing.length) throw new Error(`qemu-image: ${missing.join(', ')} not in /usr/bin: run sudo bash scripts/setup-test-env.sh`);
  const ref = `${registryHost}/${QEMU_IMAGE_REPO}:latest`;
  const ctx = tmpDir('cmh-qemu-image-');
  for (const bin of binaries) fs.copyFileSync(`/usr/bin/${bin}`, path.join(ctx, bin));
  fs.copyFileSync(REGISTER, path.join(ctx, 'qemu-register'));
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    [
      'FROM busybox',
      ...binaries.map((b) => `COPY ${b} /usr/bin/${b}`),
      'COPY qemu-register /qemu-register',
      'LABEL org.opencontainers.image.title="cmh test qemu-user-static"',
      'ENTRYPOINT ["/qemu-register"]',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, DOCKER_HOST: dockerHost(), DOCKER_CONFIG: path.join(ctx, 'config') };
  await runOk(DOCKER_CLI, ['buildx', 'build', '-q', '--load', '--provenance=false', '--platform', 'linux/amd64', '-t', ref, ctx], { env });
  const push = await runOk(DOCKER_CLI, ['push', ref], { env });
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
  if (!digest) throw new Error(`qemu-image: docker push printed no digest:\n${push.stdout}`);
  return { ref, digest, pinned: `${registryHost}/${QEMU_IMAGE_REPO}@${digest}`, binaries };
}
