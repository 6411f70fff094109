/**
 * A real npm registry on loopback: verdaccio (installed by scripts/bench.sh), storage in a temp
 * dir, every package but ours proxied to the registry `npm config get registry` names (asked at
 * run time and handed over in the environment, never written to a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runOk, spawnTracked, stopChild, waitFor } from '../../test/support/proc.js';
import { npmEnv } from './npm.js';

export interface Verdaccio {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** A userconfig file holding this registry and a token that may publish. */
  npmrc: string;
  stop(): Promise<void>;
}

/** verdaccio's configuration, as the object its YAML file would parse to. */
function config(dir: string, port: number, uplink: string, own: string): object {
  const everyone = { access: '$all', publish: '$authenticated' };
  return {
    self_path: dir,
    storage: path.join(dir, 'storage'),
    uplinks: { upstream: { url: uplink, timeout: '60s', maxage: '30m' } },
    packages: { [own]: everyone, '**': { ...everyone, proxy: 'upstream' } },
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 1 } },
    listen: `127.0.0.1:${port}`,
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
  };
}

const LAUNCHER = fileURLToPath(new URL('./verdaccio-server.cjs', import.meta.url));

/**
 * `pkgDir`: the installed verdaccio package (node_modules/verdaccio). `ownPackage` is served only
 * from this registry (never looked up upstream).
 */
export async function startVerdaccio(pkgDir: string, dir: string, ownPackage: string): Promise<Verdaccio> {
  const uplink = (await runOk('npm', ['config', 'get', 'registry'], { env: npmEnv() })).stdout.trim();
  if (!/^https?:\/\//.test(uplink)) throw new Error(`npm config get registry printed ${JSON.stringify(uplink)}, not a URL`);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'verdaccio.log'), 'a');
  const child = spawnTracked(process.execPath, [LAUNCHER, pkgDir], {
    stdio: ['ignore', log, log],
    env: npmEnv({ CMH_BENCH_VERDACCIO_CONFIG: JSON.stringify(config(dir, port, uplink, ownPackage)) }),
  });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}/`;
  const stop = () => stopChild(child);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`verdaccio exited ${child.exitCode}`);
        return (await fetch(`${url}-/ping`)).ok;
      },
      30_000,
      `verdaccio on ${url}`,
    );
    // The one user (max_users: 1) that may publish; verdaccio answers with its token.
    const res = await fetch(`${url}-/user/org.couchdb.user:bench`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', password: `bench-${port}` }),
    });
    const body = (await res.json()) as { token?: string; error?: string };
    if (!body.token) throw new Error(`verdaccio did not register a user: ${res.status} ${body.error ?? ''}`);
    const npmrc = path.join(dir, 'npmrc');
    fs.writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${body.token}\n`);
    return { url, npmrc, stop };
  } catch (e) {
    await stop();
    const logText = fs.readFileSync(path.join(dir, 'verdaccio.log'), 'utf8').slice(-2000);
    throw new Error(`${(e as Error).message}\n${logText}`, { cause: e });
  }
}
