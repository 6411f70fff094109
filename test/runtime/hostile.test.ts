// The rows of issue 11's table that concern the hooks, each against what a hostile or unlucky
// world does: a token server whose token carries newlines (it once became extra curl config lines),
// a token that stops being accepted mid-run, TERM during a long backoff, an unpinned privileged
// QEMU image, a DOCKERFILE_PATH that looks like an option; and issue 10's four post_push at once
// on one machine with the docker manifest publisher.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import { cleanupTemps, hubBuildEnv, hookEnv, readDockerLog, tmpDir } from '../support/env.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type Registry } from '../support/registry.js';
import {
  dockerfileFor,
  hookConfig,
  platformsOf,
  putImage,
  readList,
  runHook,
  tablePlatforms,
  uniqueRepo,
  writeHooks,
  type Creds,
} from './support.js';

const host = inject('registry');
const SHA = 'b0a710ad'.repeat(5);
afterAll(() => cleanupTemps());

function ruleEnv(registryHost: string, repo: string, arch = 'arm64v8', extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost, repo, tag: arch, dockerfilePath: dockerfileFor(arch), sourceCommit: SHA }),
      MULTIARCH_RETRY_DELAY: '0.01',
      ...extra,
    },
  });
}
const hooksDir = () => writeHooks(tmpDir('cmh-hostile-'), hookConfig({ publisher: 'docker' }));

/** A loopback HTTP server answering every request with `answer`; counts what it got. */
async function server(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; hits: string[]; stop(): Promise<void> }> {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, hits, stop: () => new Promise<void>((r) => srv.close(() => r())) };
}

describe('a hostile token server', () => {
  it('a token with (escaped) newlines and config lines cannot make the hook send anything anywhere', async () => {
    // Any connection at all to this address counts (a raw TCP server: it also sees requests an
    // HTTP server would reject).
    const evilHits: string[] = [];
    const evilSrv = net.createServer((c) => {
      evilHits.push('connection');
      c.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nstolen');
    });
    await new Promise<void>((r) => evilSrv.listen(0, '127.0.0.1', r));
    const evil = {
      url: `http://127.0.0.1:${(evilSrv.address() as AddressInfo).port}`,
      stop: () => new Promise<void>((r) => evilSrv.close(() => r())),
    };
    const loot = path.join(tmpDir('cmh-loot-'), 'written-by-token');
    // Read by the old hook as curl config lines: a second URL, then a harmless option that takes
    // the closing quote (it made that GET /steal, shown by this test on the old runtime).
    const token = `abc\nurl = ${evil.url}/steal\noutput = ${loot}\nuser-agent = "z`;
    const tokens = await server((_q, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token, access_token: token }));
    });
    const registry = await server((_q, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.url}/token",service="evil"`, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    try {
      const regHost = registry.url.slice('http://'.length);
      const env = ruleEnv(regHost, uniqueRepo('evil-token'), 'arm64v8', { MULTIARCH_REGISTRY_USER: 'u', MULTIARCH_REGISTRY_PASSWORD: 'p' });
      const r = await runHook(hooksDir(), 'post_push', env);
      expect(r.code).toBe(1);
      expect(tokens.hits.length, 'the token was never asked for: the test proves nothing').toBeGreaterThan(0);
      expect(evilHits).toEqual([]);
      expect(fs.existsSync(loot)).toBe(false);
      expect(r.out).not.toContain('stolen');
    } finally {
      await Promise.all([evil.stop(), tokens.stop(), registry.stop()]);
    }
  });
});

describe('a login that stops working mid-run', () => {
  const creds: Creds = { user: 'hubuser', password: 'expiring' };
  let token: Registry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    token = await startRegistry({ tokenAuth: true, htpasswd: creds });
    proxy = await startFaultProxy(token.host);
  });
  afterAll(async () => {
    await proxy?.stop();
    await token?.stop();
  });

  it('the registry refuses the token once, at the list write: the hook logs in again and publishes', async () => {
    const repo = uniqueRepo('expired');
    for (const a of DEFAULT_ARCHES) await putImage(token.host, repo, a, a, { revision: SHA, creds });
    const body = JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'token expired' }] });
    proxy.addFault({ method: 'PUT', path: '/manifests/latest', status: 401, body, times: 1 });
    const r = await runHook(
      hooksDir(),
      'post_push',
      ruleEnv(proxy.host, repo, 'arm64v8', { MULTIARCH_REGISTRY_USER: creds.user, MULTIARCH_REGISTRY_PASSWORD: creds.password }),
    );
    expect(r.code, r.out).toBe(0);
    expect(proxy.requests.filter((q) => q.faulted)).toHaveLength(1);
    expect(r.stderr).not.toContain('fix them');
    expect(r.stderr).toContain(`published ${proxy.host}/${repo}:latest (commit ${SHA})`);
    expect(platformsOf((await readList(token.host, repo, 'latest', creds))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
  });
});

describe('TERM', () => {
  it('during a 30 s backoff: the hook exits at once and removes the temp dir holding the login', async () => {
    const proxy = await startFaultProxy(host);
    try {
      proxy.addFault({ status: 503, times: Infinity });
      const env = ruleEnv(proxy.host, uniqueRepo('term'), 'arm64v8', {
        MULTIARCH_RETRY_DELAY: '30',
        DOCKERCFG: JSON.stringify({ [proxy.host]: { auth: 'dTpzZWNyZXQ=' } }),
      });
      const child = spawn('bash', [path.join(hooksDir(), 'hooks/post_push')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      for (let i = 0; i < 600 && !/retrying in 30\.000s/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
      expect(err).toMatch(/retrying in 30\.000s/);
      const tmp = fs.readdirSync(env.TMPDIR!).filter((f) => f.startsWith('multiarch-hooks.'));
      expect(tmp, 'the temp dir with the login should exist while waiting').toHaveLength(1);
      const t0 = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(code).toBe(143);
      expect(fs.readdirSync(env.TMPDIR!).filter((f) => f.startsWith('multiarch-hooks.'))).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('four post_push at once on one machine (issue 10), docker manifest publisher', () => {
  it("never collide in docker manifest's store, and the list is complete", async () => {
    const repo = uniqueRepo('parallel');
    for (const a of DEFAULT_ARCHES) await putImage(host, repo, a, a, { revision: SHA });
    const dir = hooksDir();
    // One machine, one user: the same docker config dir (and so the same default manifest store).
    const shared = hookEnv().DOCKER_CONFIG!;
    const runs = await Promise.all(
      DEFAULT_ARCHES.map((a) => runHook(dir, 'post_push', { ...ruleEnv(host, repo, a), DOCKER_CONFIG: shared })),
    );
    for (const r of runs) {
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toContain('refusing to amend');
    }
    expect(runs.filter((r) => /published|already lists/.test(r.stderr))).toHaveLength(4);
    expect(platformsOf((await readList(host, repo, 'latest'))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
    expect(fs.existsSync(path.join(shared, 'manifests'))).toBe(false);
  });
});

describe('what a build rule can get wrong', () => {
  it.each(['build'] as const)('%s: a DOCKERFILE_PATH starting with "-" gets one sentence (post_push does not read it)', async (hook) => {
    const env = ruleEnv(host, uniqueRepo('dash'), 'arm64v8', { DOCKERFILE_PATH: '-f' });
    const r = await runHook(hooksDir(), hook, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: DOCKERFILE_PATH=-f starts with '-'; set it to the Dockerfile's path in the build rule.\n`);
  });

  it('pre_build: an unpinned MULTIARCH_QEMU_IMAGE is refused before anything runs privileged', async () => {
    const binfmt = tmpDir('cmh-binfmt-');
    fs.writeFileSync(path.join(binfmt, 'status'), 'enabled\n');
    const env = ruleEnv(host, uniqueRepo('qemu'), 'arm64v8', {
      MULTIARCH_QEMU_IMAGE: 'multiarch/qemu-user-static:latest',
      MULTIARCH_BINFMT_DIR: binfmt,
    });
    const r = await runHook(hooksDir(), 'pre_build', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: MULTIARCH_QEMU_IMAGE=multiarch/qemu-user-static:latest runs privileged, so it must be ' +
        'pinned by digest: set it to <image>@sha256:<digest>',
    );
    expect(readDockerLog(env)).toEqual([]);
  });
});
