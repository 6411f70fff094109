/**
 * A real Distribution v2 registry (Debian's `docker-registry`) on a free 127.0.0.1 port, with
 * filesystem storage in a temp dir and deletes enabled. Optional htpasswd (bcrypt, made with
 * `htpasswd -B` from apache2-utils) or token auth (our loopback token server, see token-server.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, runOk, spawnTracked, stopChild, waitFor } from './proc.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export interface RegistryOptions {
  /** Basic auth with these credentials. With `tokenAuth` too, the token server asks for them instead. */
  htpasswd?: { user: string; password: string };
  /** Token auth (`auth.token`): `GET /v2/` answers 401 with a Bearer challenge to our token server. */
  tokenAuth?: boolean;
}

export interface Registry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  storageDir: string;
  /** The registry's own stderr (its log), for a failing test to read. */
  logFile: string;
  pid: number;
  /** Set when `tokenAuth`: its realm, service and the requests it answered. */
  tokenServer?: TokenServer;
  stop(): Promise<void>;
}

function configYaml(port: number, dir: string, auth: string): string {
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
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: cmh-test-${port}
health:
  storagedriver:
    enabled: false
${auth}`;
}

async function authSection(dir: string, opts: RegistryOptions): Promise<{ yaml: string; tokenServer?: TokenServer }> {
  if (opts.tokenAuth) {
    const tokenServer = await startTokenServer(dir, opts.htpasswd);
    return {
      tokenServer,
      yaml: `auth:
  token:
    realm: ${tokenServer.realm}
    service: ${tokenServer.service}
    issuer: ${tokenServer.issuer}
    rootcertbundle: ${tokenServer.certFile}
`,
    };
  }
  if (opts.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    // -i: password from stdin, so it is not in the process list.
    const r = await runOk('htpasswd', ['-B', '-i', '-n', opts.htpasswd.user], { input: opts.htpasswd.password });
    fs.writeFileSync(file, r.stdout);
    return { yaml: `auth:\n  htpasswd:\n    realm: cmh-test\n    path: ${file}\n` };
  }
  return { yaml: '' };
}

/** Storage dirs of registries still running, removed at exit if a test forgot `stop()`. */
const liveDirs = new Set<string>();
process.once('exit', () => {
  for (const d of liveDirs) fs.rmSync(d, { recursive: true, force: true });
});

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-registry-'));
  liveDirs.add(dir);
  const { yaml, tokenServer } = await authSection(dir, opts);
  const expected = opts.tokenAuth || opts.htpasswd ? 401 : 200;
  const logFile = path.join(dir, 'registry.log');
  let lastError: unknown;
  // The free port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const configFile = path.join(dir, 'config.yml');
    fs.writeFileSync(configFile, configYaml(port, dir, yaml));
    const log = fs.openSync(logFile, 'a');
    const child = spawnTracked('docker-registry', ['serve', configFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}`);
          return (await fetch(`${url}/v2/`)).status === expected;
        },
        10_000,
        `docker-registry on ${url} to answer /v2/ with ${expected}`,
      );
    } catch (e) {
      lastError = e;
      await stopChild(child);
      continue;
    }
    return {
      host: `127.0.0.1:${port}`,
      url,
      storageDir: path.join(dir, 'storage'),
      logFile,
      pid: child.pid ?? -1,
      tokenServer,
      stop: async () => {
        await stopChild(child);
        await tokenServer?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        liveDirs.delete(dir);
      },
    };
  }
  await tokenServer?.stop();
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
  fs.rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
  throw new Error(`could not start docker-registry: ${String(lastError)}\n${log}`);
}
