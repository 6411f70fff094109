/**
 * A real npm registry on loopback: verdaccio (installed by scripts/bench.sh), storage in a temp
 * dir, every package but ours proxied to the registry `npm config get registry` names (asked at
 * run time; the host lands only in the temp config file, which is removed with the registry).
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePort, runOk, spawnTracked, stopChild, waitFor } from '../../test/support/proc.js';
import { npmEnv } from './npm.js';

export interface Verdaccio {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** A userconfig file holding this registry and a token that may publish. */
  npmrc: string;
  stop(): Promise<void>;
}

function config(dir: string, port: number, uplink: string, own: string): string {
  return `storage: ${dir}/storage
uplinks:
  upstream:
    url: ${uplink}
    timeout: 60s
    maxage: 30m
packages:
  '${own}':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
auth:
  htpasswd:
    file: ${dir}/htpasswd
    max_users: 1
listen: 127.0.0.1:${port}
log: { type: stdout, format: pretty, level: warn }
`;
}

/** `ownPackage` is served only from this registry (never looked up upstream). */
export async function startVerdaccio(bin: string, dir: string, ownPackage: string): Promise<Verdaccio> {
  const uplink = (await runOk('npm', ['config', 'get', 'registry'], { env: npmEnv() })).stdout.trim();
  if (!/^https?:\/\//.test(uplink)) throw new Error(`npm config get registry printed ${JSON.stringify(uplink)}, not a URL`);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, config(dir, port, uplink, ownPackage));
  const log = fs.openSync(path.join(dir, 'verdaccio.log'), 'a');
  const child = spawnTracked(process.execPath, [bin, '--config', configFile], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    await stopChild(child);
    fs.rmSync(configFile, { force: true });
  };
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
    throw new Error(`${(e as Error).message}\n${logText}`);
  }
}
