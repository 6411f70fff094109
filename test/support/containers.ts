/**
 * Private configuration for buildah/skopeo, so tests never touch the machine's containers storage
 * and an unmodified `FROM busybox` / `FROM arm64v8/busybox` pulls from the local registry.
 */
import fs from 'node:fs';
import path from 'node:path';

/** vfs storage under `dir` (no overlay mounts to clean up; fine for busybox-sized images). */
export function writeStorageConf(dir: string): string {
  const file = path.join(dir, 'storage.conf');
  fs.mkdirSync(path.join(dir, 'graph'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  fs.writeFileSync(file, `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/graph"\nrunroot = "${dir}/run"\n`);
  return file;
}

/**
 * A registries.conf (for CONTAINERS_REGISTRIES_CONF) that sends every `docker.io/...` pull to
 * `registryHost` over plain HTTP: `FROM arm64v8/busybox` then pulls
 * `registryHost/arm64v8/busybox`, `FROM busybox` pulls `registryHost/library/busybox`.
 * Pushes are not redirected: push to `registryHost/...` names.
 */
export function writeRegistriesConf(file: string, registryHost: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "docker.io"
location = "${registryHost}"
insecure = true

[[registry]]
location = "${registryHost}"
insecure = true
`,
  );
  return file;
}

/**
 * Environment for buildah/skopeo with private storage and registries config under `dir`.
 * DOCKER_CONFIG is removed: with it set but no config.json, buildah refuses to push.
 */
export function containersEnv(dir: string, registryHost: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  fs.mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...base,
    CONTAINERS_STORAGE_CONF: writeStorageConf(path.join(dir, 'storage')),
    CONTAINERS_REGISTRIES_CONF: writeRegistriesConf(path.join(dir, 'registries.conf'), registryHost),
    BUILDAH_ISOLATION: 'chroot',
  };
  delete env.DOCKER_CONFIG;
  return env;
}
