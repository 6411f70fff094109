/**
 * The user's Docker login for a registry, found the way the docker CLI finds it:
 * `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`), `credHelpers[host]`, then
 * `credsStore`, then the `auths` entry. Helpers are run as `docker-credential-<name> get` with the
 * server name on stdin. Looked up only when a registry asks for authentication.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY } from './reference.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token (`docker login` with SSO, helpers answering Username `<token>`). */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
  /** Where they came from, for messages: `/home/u/.docker/config.json`, `docker-credential-pass`. */
  source: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/** `https://index.docker.io/v1/` -> `index.docker.io`; `http://h:5000/x` -> `h:5000`. */
function hostOf(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

function keysFor(registry: string): string[] {
  return registry === DOCKER_HUB ? ['index.docker.io', 'docker.io', 'registry-1.docker.io'] : [registry.toLowerCase()];
}

export async function lookupCredentials(registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const file = path.join(dockerConfigDir(env), 'config.json');
  let config: DockerConfig;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8')) as DockerConfig;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`Cannot read the docker config ${file} (${(e as Error).message}); fix it or point DOCKER_CONFIG elsewhere.`);
  }
  const keys = keysFor(registry);
  const serverName = registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
  const helper = Object.entries(config.credHelpers ?? {}).find(([k]) => keys.includes(hostOf(k)))?.[1] ?? config.credsStore;
  if (helper) {
    const fromHelper = await runHelper(helper, serverName, env);
    if (fromHelper) return fromHelper;
  }
  const entry = Object.entries(config.auths ?? {}).find(([k]) => keys.includes(hostOf(k)))?.[1];
  if (!entry) return undefined;
  const creds: Credentials = { source: file };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new UserError(
        `The "auth" entry for ${registry} in ${file} is not base64 of user:password; run docker login ${registry} again.`,
      );
    creds.username = decoded.slice(0, colon);
    creds.password = decoded.slice(colon + 1);
  } else if (entry.username) {
    creds.username = entry.username;
    creds.password = entry.password;
  }
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  if (entry.registrytoken) creds.registryToken = entry.registrytoken;
  return creds.username || creds.identityToken || creds.registryToken ? creds : undefined;
}

async function runHelper(name: string, serverName: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  const { code, stdout, stderr, spawnError } = await new Promise<{ code: number; stdout: string; stderr: string; spawnError?: Error }>(
    (resolve) => {
      const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', (e) => resolve({ code: -1, stdout: out, stderr: err, spawnError: e }));
      child.on('close', (c) => resolve({ code: c ?? -1, stdout: out, stderr: err }));
      child.stdin.on('error', () => {}); // a helper that exits without reading stdin
      child.stdin.end(serverName);
    },
  );
  if (spawnError) {
    throw new UserError(
      `The docker config names the credential helper "${name}", but ${program} is not on PATH; install it or remove it from config.json.`,
    );
  }
  if (code !== 0) {
    // The helper protocol's answer for "no login stored for this server".
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    throw new UserError(
      `${program} get failed for ${serverName} (exit ${code}: ${(stderr || stdout).trim()}); check the helper or run docker login again.`,
    );
  }
  let answer: { Username?: string; Secret?: string };
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw new UserError(`${program} get answered something that is not JSON for ${serverName}; check the helper.`);
  }
  if (!answer.Secret) return undefined;
  // Docker's convention: Username "<token>" means Secret is an identity token.
  if (answer.Username === '<token>') return { identityToken: answer.Secret, source: program };
  return { username: answer.Username, password: answer.Secret, source: program };
}
