/**
 * `--start-registry`: Debian's `docker-registry` (the Distribution v2 registry) on a free loopback
 * port, storage in a temp dir, for one simulate run (or left running with --keep-registry).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

export const REGISTRY_BINARY = 'docker-registry';

export interface LocalRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  pid: number;
  dir: string;
  logFile: string;
  /** Stops it and removes its storage. */
  stop(): Promise<void>;
  /** Lets it outlive this process (its storage stays too). */
  detach(): void;
  /** At once, synchronously: for a process about to die of a signal. */
  killNow(): void;
}

/**
 * `which` against the PATH of `env` (the rules' environment): shelljs.which reads process.env
 * only, and shelljs cannot be bundled (see generate/git.ts).
 */
export function findOnPath(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const d of (env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const file = path.join(d, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function config(port: number, dir: string): string {
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: create-multiarch-hooks-${port}
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where docker-registry is; a UserError saying how to get it when it is not on PATH. */
export function registryBinary(env: NodeJS.ProcessEnv): string {
  const binary = findOnPath(REGISTRY_BINARY, env);
  if (!binary) {
    throw new UserError(
      `--start-registry needs Debian's ${REGISTRY_BINARY} (the Distribution registry), which is not on ` +
        `PATH; install it (sudo apt-get install docker-registry) or pass --registry HOST:PORT of a ` +
        `registry you run.`,
    );
  }
  return binary;
}

export async function startLocalRegistry(env: NodeJS.ProcessEnv): Promise<LocalRegistry> {
  const binary = registryBinary(env);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-simulate-registry-'));
  const logFile = path.join(dir, 'registry.log');
  // The probed port can be taken before the registry binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const configFile = path.join(dir, 'config.yml');
    fs.writeFileSync(configFile, config(port, dir));
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(binary, ['serve', configFile], { detached: true, stdio: ['ignore', fd, fd], env });
    fs.closeSync(fd);
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    const host = `127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    while (!exited && Date.now() < deadline) {
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        // Its own process group (detached) keeps it alive through Ctrl-C until we have looked at
        // what is left in it; this makes sure it does not outlive us unless detached on purpose.
        const reap = () => child.kill('SIGKILL');
        process.once('exit', reap);
        const stop = async () => {
          process.removeListener('exit', reap);
          if (!exited) {
            const gone = new Promise<void>((r) => child.once('exit', () => r()));
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 5000);
            await gone;
            clearTimeout(t);
          }
          fs.rmSync(dir, { recursive: true, force: true });
        };
        const killNow = () => {
          process.removeListener('exit', reap);
          child.kill('SIGKILL');
          fs.rmSync(dir, { recursive: true, force: true });
        };
        const detach = () => {
          process.removeListener('exit', reap);
          child.unref();
        };
        return { host, pid: child.pid!, dir, logFile, stop, killNow, detach };
      }
      await sleep(100);
    }
    if (!exited) child.kill('SIGKILL');
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
  fs.rmSync(dir, { recursive: true, force: true });
  throw new UserError(
    `${REGISTRY_BINARY} did not start on 127.0.0.1 (its log: ${log || 'empty'}); pass --registry HOST:PORT of a registry you run instead.`,
  );
}
