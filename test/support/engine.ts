/**
 * The test bed's Docker engine: Debian trixie's dockerd 26.1 with containerd 1.7, buildx 0.29 as
 * the CLI's plugin, unpacked by scripts/setup-test-env.sh into $CMH_TESTBED (default
 * /opt/cmh-testbed).
 *
 * Like a Docker Hub builder, it keeps images in the classic store (overlay2) and pulls docker.io
 * images from a registry: `registry-mirrors` sends them to the tests' loopback registry, which
 * holds busybox and its arch twins (base-images.ts). The containerd image store (which
 * multi-platform builds need) behaves differently under the legacy builder: it drops arm's variant
 * from an image's platform, so `docker build --platform linux/arm/v6` fails at the first step after
 * a RUN ("failed to get destination image"); `containerdStore: true` starts such an engine.
 *
 * One engine serves a whole test run. It runs in the run's private network namespace (see
 * scripts/in-testbed.sh), where it owns its docker0 bridge and reaches the loopback registries
 * the tests start; the host's network is untouched. Its data, exec root and socket live in a
 * temp dir; it is stopped by pid when the run ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, spawnTracked, stopChild, waitFor } from './proc.js';

export const TESTBED = process.env.CMH_TESTBED || '/opt/cmh-testbed';
const ENGINE = path.join(TESTBED, 'engine');
/** The engine's binaries: dockerd, containerd, its shims, and the docker CLI (26.1). */
export const ENGINE_BIN = [path.join(ENGINE, 'usr/bin'), path.join(ENGINE, 'usr/sbin')];
export const DOCKER_CLI = path.join(ENGINE, 'usr/bin/docker');
const RUNC_WRAPPER = fileURLToPath(new URL('./engine/runc-wrapper', import.meta.url));
const FIX = 'run the tests with `npm test` (as root), which installs the engine and starts it in a private network namespace';

export interface Engine {
  /** `unix:///.../docker.sock`, for DOCKER_HOST. */
  host: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * True when this process runs in the test bed's network namespace: scripts/in-testbed.sh records
 * the host's namespace in CMH_HOST_NETNS before it makes a new one.
 */
export function inPrivateNetns(): boolean {
  const host = process.env.CMH_HOST_NETNS;
  return !!host && fs.readlinkSync('/proc/self/ns/net') !== host;
}

/** Problems that keep the engine from starting here, each a sentence; empty when it can. */
export function engineProblems(): string[] {
  const problems: string[] = [];
  if (!fs.existsSync(path.join(ENGINE, 'usr/sbin/dockerd'))) problems.push(`the Docker engine is not unpacked in ${ENGINE}`);
  if (process.getuid?.() !== 0) problems.push('the Docker engine needs root');
  if (!inPrivateNetns())
    problems.push('the tests are not running in a private network namespace (the engine would change the host network)');
  return problems;
}

export interface EngineOptions {
  /** `http://127.0.0.1:PORT`: where docker.io pulls go. */
  mirror?: string;
  /** The containerd image store instead of the classic one. */
  containerdStore?: boolean;
}

function daemonConfig(dir: string, opts: EngineOptions): object {
  return {
    'data-root': path.join(dir, 'data'),
    'exec-root': path.join(dir, 'exec'),
    pidfile: path.join(dir, 'docker.pid'),
    hosts: [`unix://${path.join(dir, 'docker.sock')}`],
    ...(opts.containerdStore ? { features: { 'containerd-snapshotter': true } } : { 'storage-driver': 'overlay2' }),
    ...(opts.mirror ? { 'registry-mirrors': [opts.mirror] } : {}),
    'exec-opts': ['native.cgroupdriver=cgroupfs'],
    // The private namespace's docker0 bridge, but no rules or forwarding (nothing leaves it).
    iptables: false,
    ip6tables: false,
    'ip-forward': false,
    'ip-masq': false,
    runtimes: { 'cmh-runc': { path: RUNC_WRAPPER } },
    'default-runtime': 'cmh-runc',
  };
}

/** Starts dockerd with everything under a new temp dir; resolves once it answers. */
export async function startEngine(opts: EngineOptions = {}): Promise<Engine> {
  const problems = engineProblems();
  if (problems.length) throw new Error(`cannot start the test bed's Docker engine: ${problems.join('; ')}; ${FIX}.`);
  // A short path: the socket's path must fit in sun_path (108 bytes).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-engine-'));
  const configFile = path.join(dir, 'daemon.json');
  fs.writeFileSync(configFile, JSON.stringify(daemonConfig(dir, opts), null, 2));
  const logFile = path.join(dir, 'dockerd.log');
  const log = fs.openSync(logFile, 'a');
  const env = { ...process.env, PATH: [...ENGINE_BIN, process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'].join(':') };
  const child = spawnTracked(path.join(ENGINE, 'usr/sbin/dockerd'), ['--config-file', configFile], { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  const host = `unix://${path.join(dir, 'docker.sock')}`;
  const cli = { ...env, DOCKER_HOST: host, DOCKER_CONFIG: path.join(dir, 'cli-config') };
  const stop = async () => {
    await stopChild(child, 20_000);
    // dockerd unmounts its overlays on a clean stop; what a killed one left is in this private
    // mount namespace and goes with it.
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`dockerd exited ${child.exitCode}`);
        return (await run(DOCKER_CLI, ['version', '--format', '{{.Server.Version}}'], { env: cli, timeoutMs: 10_000 })).code === 0;
      },
      60_000,
      'dockerd to answer',
    );
  } catch (e) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-3000) : '';
    await stop();
    throw new Error(`could not start dockerd: ${(e as Error).message}\n${tail}`, { cause: e });
  }
  return { host, pid: child.pid ?? -1, logFile, stop };
}
