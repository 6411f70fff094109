/**
 * A stand-in for the pinned `multiarch/qemu-user-static` image, for real builds of `--qemu copy`
 * Dockerfiles: an amd64 image holding Debian's static QEMU binaries at `/usr/bin/qemu-*-static`
 * (only those the base-image arches need), pushed to `HOST/multiarch/qemu-user-static:latest`.
 * The pinned digest cannot be reproduced, so a test replaces the pin's digest with the one
 * returned here; with hookEnv's registries.conf, `docker.io/multiarch/qemu-user-static@<digest>`
 * then pulls this image from the local registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findArch } from '../../src/arch.js';
import { BASE_ARCHES } from './base-images.js';
import { containersEnv } from './containers.js';
import { runOk } from './proc.js';

export const QEMU_IMAGE_REPO = 'multiarch/qemu-user-static';

export interface QemuImage {
  /** `HOST/multiarch/qemu-user-static:latest` */
  ref: string;
  /** Manifest digest of the pushed image (`sha256:...`). */
  digest: string;
  /** Binaries in it, e.g. `qemu-aarch64-static`. */
  binaries: string[];
}

export async function ensureQemuImage(registryHost: string): Promise<QemuImage> {
  const binaries = [...new Set(BASE_ARCHES.map((n) => findArch(n)?.qemu).filter((q): q is string => !!q))];
  const missing = binaries.filter((b) => !fs.existsSync(`/usr/bin/${b}`));
  if (missing.length) throw new Error(`qemu-image: ${missing.join(', ')} not in /usr/bin: run sudo bash scripts/setup-test-env.sh`);
  const ref = `${registryHost}/${QEMU_IMAGE_REPO}:latest`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-qemu-image-'));
  const env = containersEnv(path.join(work, 'containers'), registryHost);
  const b = (args: string[]) => runOk('buildah', args, { env });
  try {
    const ctr = (await b(['from', 'scratch'])).stdout.trim();
    for (const bin of binaries) await b(['add', ctr, `/usr/bin/${bin}`, `/usr/bin/${bin}`]);
    await b(['config', '--os', 'linux', '--arch', 'amd64', '--label', 'org.opencontainers.image.title=cmh test qemu-user-static', ctr]);
    await b(['commit', '-q', '--format', 'docker', '--rm', ctr, 'localhost/cmh-qemu-user-static']);
    const digestFile = path.join(work, 'digest');
    await b(['push', '-q', '--tls-verify=false', '--format', 'v2s2', '--digestfile', digestFile, 'localhost/cmh-qemu-user-static', `docker://${ref}`]);
    return { ref, digest: fs.readFileSync(digestFile, 'utf8').trim(), binaries };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
