/**
 * The real parts sections 3-5 share, from the test infrastructure (test/support): one local
 * Distribution registry holding the per-arch busybox base images, and the `docker` shim.
 */
import { ensureBaseImages } from '../../test/support/base-images.js';
import { realDocker } from '../../test/support/env.js';
import { startRegistry, type Registry } from '../../test/support/registry.js';

export interface Infra {
  registry: Registry;
  /** The real docker CLI (client only), for `docker manifest`. */
  docker: string;
  stop(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  const docker = realDocker();
  const registry = await startRegistry();
  try {
    await ensureBaseImages(registry.host);
  } catch (e) {
    await registry.stop();
    throw e;
  }
  return { registry, docker, stop: () => registry.stop() };
}
