/**
 * The real parts sections 3-5 share, from the test infrastructure (test/support): one local
 * Distribution registry holding the per-arch busybox base images, and the test bed's Docker
 * engine pulling docker.io images from it. They run in the test bed's network namespace
 * (scripts/in-testbed.sh): main.ts runs these sections in a child bench process there.
 */
import { ensureBaseImages } from '../../test/support/base-images.js';
import { DOCKER_CLI, startEngine, type Engine } from '../../test/support/engine.js';
import { startRegistry, type Registry } from '../../test/support/registry.js';

export interface Infra {
  registry: Registry;
  engine: Engine;
  /** The test bed's docker CLI (hooks get it behind the tests' docker spy, see hookEnv). */
  docker: string;
  stop(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  const registry = await startRegistry();
  let engine: Engine | undefined;
  try {
    await ensureBaseImages(registry.host);
    engine = await startEngine({ mirror: registry.url });
  } catch (e) {
    await registry.stop();
    throw e;
  }
  // hookEnv() (test/support/env.ts) reads the engine's address from here outside vitest.
  process.env.CMH_DOCKER_HOST = engine.host;
  const running = engine;
  return {
    registry,
    engine: running,
    docker: DOCKER_CLI,
    stop: async () => {
      await running.stop();
      await registry.stop();
    },
  };
}
