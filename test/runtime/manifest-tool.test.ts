// post_push's manifest-tool path against a local HTTP server: the pinned archive is downloaded,
// verified by sha256 and only then run (the fake manifest-tool, which publishes through docker
// manifest); a download that fails falls back to docker manifest; one that is not the pinned
// archive (an HTML page, a wrong archive) is an error and nothing of it runs.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import type { Pins } from '../../src/pins.js';
import { cleanupTemps, hubBuildEnv, readDockerLog, hookEnv, tmpDir } from '../support/env.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startHttpServer, type HttpServer } from '../support/http-server.js';
import { hookConfig, packArchive, platformsOf, putImage, readList, runHook, tablePlatforms, uniqueRepo, writeHooks } from './support.js';

const host = inject('registry');
const SHA = 'feedc0de'.repeat(5);
let server: HttpServer;
let proxy: FaultProxy;
let good: { file: string; sha256: string };
let evil: { file: string; sha256: string };
const marker = path.join(tmpDir('cmh-marker-'), 'EXECUTED');

beforeAll(async () => {
  good = packArchive();
  // A real archive with the right member name whose program would leave a marker: only its
  // checksum is wrong.
  evil = packArchive({ script: `#!/bin/sh\ntouch '${marker}'\necho "Digest: sha256:0 0"\n` });
  server = await startHttpServer({
    '/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz': { file: good.file },
    '/moved': { status: 302, headers: { location: '/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz' } },
    '/evil.tar.gz': { file: evil.file },
    '/rate-limited': {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: `<!DOCTYPE html>\n<html><body>Too many requests</body></html>\n`,
    },
  });
  proxy = await startFaultProxy(server.host);
});
afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
  cleanupTemps();
});

interface Setup {
  dir: string;
  repo: string;
  env: NodeJS.ProcessEnv;
  toolLog: string;
}

/** Four labelled images in a fresh repo, hooks rendered with `pins`, the env of the amd64 rule. */
async function setup(pins: Partial<Pins>, extra: Record<string, string> = {}): Promise<Setup> {
  const repo = uniqueRepo('mt');
  for (const a of DEFAULT_ARCHES) await putImage(host, repo, a, a, { revision: SHA });
  const dir = writeHooks(
    tmpDir('cmh-mt-repo-'),
    hookConfig({
      publisher: 'manifest-tool',
      pins: { manifestToolUrl: `${server.url}/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz`, manifestToolSha256: good.sha256, ...pins },
    }),
  );
  const toolLog = path.join(dir, 'manifest-tool-calls.log');
  const env = hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo, tag: 'amd64', dockerfilePath: 'Dockerfile', sourceCommit: SHA }),
      FAKE_MANIFEST_TOOL_LOG: toolLog,
      MULTIARCH_RETRY_DELAY: '0.01',
      ...extra,
    },
  });
  return { dir, repo, env, toolLog };
}

const toolCalls = (s: Setup) => (fs.existsSync(s.toolLog) ? fs.readFileSync(s.toolLog, 'utf8').split('\n').filter(Boolean) : []);
const manifestCalls = (s: Setup) => readDockerLog(s.env).filter((l) => l.startsWith('docker manifest'));

async function expectList(s: Setup): Promise<void> {
  const list = await readList(host, s.repo, 'latest');
  expect(list, 'the list was not published').not.toBeNull();
  expect(platformsOf(list!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
}

describe('post_push with manifest-tool', () => {
  it('downloads the pinned archive (through a redirect), checks its sha256 and publishes with it', async () => {
    const s = await setup({ manifestToolUrl: `${server.url}/moved` });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain(
      `published ${host}/${s.repo}:latest (commit ${SHA}): linux/amd64 linux/arm/v6 linux/arm/v7 ` +
        `linux/arm64/v8, by digest, with manifest-tool.`,
    );
    expect(toolCalls(s)).toEqual([expect.stringMatching(/^manifest-tool --docker-cfg \S+ --plain-http push from-spec \S+$/)]);
    // The fake really published, through docker manifest, by digest.
    expect(
      manifestCalls(s).some((l) => l.startsWith(`docker manifest create --insecure ${host}/${s.repo}:latest ${host}/${s.repo}@sha256:`)),
    ).toBe(true);
    await expectList(s);
    expect(server.requests.map((q) => q.path)).toEqual(expect.arrayContaining(['/moved', '/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz']));
  });

  it('retries a download that answers 503, then uses it', async () => {
    proxy.addFault({ path: '/v2.2.1/', status: 503, times: 2 });
    const s = await setup({ manifestToolUrl: `${proxy.url}/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz` });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr.match(/^warn: GET \S+binaries-manifest-tool-2\.2\.1\.tar\.gz: \S+ answered HTTP 503; retrying/gm), r.out).toHaveLength(
      2,
    );
    expect(proxy.count({ path: '/v2.2.1/' })).toBe(3);
    expect(toolCalls(s)).toHaveLength(1);
    await expectList(s);
  });

  it('takes the archive from the MULTIARCH_MANIFEST_TOOL_URL mirror, checked against the same pin', async () => {
    const s = await setup(
      { manifestToolUrl: 'http://127.0.0.1:9/unreachable.tar.gz' },
      { MULTIARCH_MANIFEST_TOOL_URL: `${server.url}/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz` },
    );
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).not.toContain('127.0.0.1:9');
    expect(toolCalls(s)).toHaveLength(1);
    await expectList(s);
  });

  it('a 404: says manifest-tool cannot be obtained and publishes with docker manifest', async () => {
    const s = await setup({ manifestToolUrl: `${server.url}/v2.2.1/gone.tar.gz` });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain(
      `warn: manifest-tool cannot be obtained (${server.url}/v2.2.1/gone.tar.gz answered HTTP 404); ` +
        `publishing with docker manifest instead.`,
    );
    expect(r.stderr).toMatch(/published .* with docker\.\n/);
    expect(toolCalls(s)).toEqual([]);
    expect(manifestCalls(s).filter((l) => l.startsWith('docker manifest push'))).toHaveLength(1);
    await expectList(s);
  });

  it('an unreachable download after the retries: falls back the same way', async () => {
    const s = await setup({ manifestToolUrl: 'http://127.0.0.1:9/manifest-tool.tar.gz' }, { MULTIARCH_RETRIES: '1' });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toMatch(
      /warn: manifest-tool cannot be obtained \(downloading http:\/\/127\.0\.0\.1:9\/manifest-tool\.tar\.gz failed: curl exit 7: .*gave up after 2 attempts\)\); publishing with docker manifest instead\./,
    );
    await expectList(s);
  });

  it('a 404 and no docker manifest to fall back on: an error naming the fix', async () => {
    const s = await setup({ manifestToolUrl: `${server.url}/gone.tar.gz` });
    // FAKE docker without the manifest command (buildx, which reads the registry, passes through).
    const bin = tmpDir('cmh-old-docker-');
    fs.writeFileSync(
      path.join(bin, 'docker'),
      `#!/bin/bash\n[ "$1" = buildx ] && exec '${s.env.CMH_DOCKER_CLI}' "$@"\necho "docker: '$1' is not a docker command." >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    s.env.PATH = `${bin}:${s.env.PATH}`;
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: manifest-tool cannot be obtained \(.*answered HTTP 404\) and there is no docker CLI with docker manifest to fall back on; set MULTIARCH_MANIFEST_TOOL_URL to a mirror of .* \(same sha256\)\./,
    );
    expect(await readList(host, s.repo, 'latest')).toBeNull();
  });

  it('an HTML page with 200: a checksum error that says so; nothing runs, nothing is published', async () => {
    const s = await setup({ manifestToolUrl: `${server.url}/rate-limited` });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `error: the file from ${server.url}/rate-limited \\(an HTML page, not the archive\\) has sha256 ` +
          `[0-9a-f]{64}, not the pinned ${good.sha256}; nothing from it was run\\.`,
      ),
    );
    expect(toolCalls(s)).toEqual([]);
    expect(manifestCalls(s)).toEqual([]);
    expect(await readList(host, s.repo, 'latest')).toBeNull();
  });

  it('an archive with the wrong checksum: an error, and its program never runs', async () => {
    const s = await setup({ manifestToolUrl: `${server.url}/evil.tar.gz` });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: the file from ${server.url}/evil.tar.gz has sha256 ${evil.sha256}, not the pinned ${good.sha256}; nothing from it was run.`,
    );
    expect(fs.existsSync(marker)).toBe(false);
    expect(manifestCalls(s)).toEqual([]);
    expect(await readList(host, s.repo, 'latest')).toBeNull();
  });

  it('the same archive with its sha256 pinned does run (the marker test can fail)', async () => {
    const s = await setup({ manifestToolUrl: `${server.url}/evil.tar.gz`, manifestToolSha256: evil.sha256 });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(fs.existsSync(marker), r.out).toBe(true);
    fs.rmSync(marker);
    // It published nothing and printed no list digest: the hook says so.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: manifest-tool exited 0 but printed no digest of \S+:latest: Digest: sha256:0 0/);
    expect(await readList(host, s.repo, 'latest')).toBeNull();
  });

  it('a name that does not resolve (curl exit 6) is retried, then falls back', async () => {
    const s = await setup({ manifestToolUrl: 'http://cmh-no-such-host.invalid/manifest-tool.tar.gz' }, { MULTIARCH_RETRIES: '2' });
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr.match(/^warn: GET http:\/\/cmh-no-such-host\.invalid\/manifest-tool\.tar\.gz: curl exit 6: .*retrying/gm)).toHaveLength(
      2,
    );
    await expectList(s);
  });

  it('a TLS failure (curl exit 35) is retried, then falls back', async () => {
    // https to a plain-HTTP server: the handshake fails.
    const s = await setup(
      { manifestToolUrl: `https://${server.host}/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz` },
      { MULTIARCH_RETRIES: '2' },
    );
    const r = await runHook(s.dir, 'post_push', s.env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr.match(/^warn: GET https:\/\/\S+: curl exit 35: .*retrying/gm)).toHaveLength(2);
    await expectList(s);
  });

  it('a download cut short but ended cleanly is retried, then the whole archive is used', async () => {
    const bytes = fs.readFileSync(good.file);
    let served = 0;
    // Chunked, no length: the first answer ends cleanly after half the archive.
    const cut = http.createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(served === 1 ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes);
    });
    await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r));
    try {
      const s = await setup({ manifestToolUrl: `http://127.0.0.1:${(cut.address() as AddressInfo).port}/mt.tar.gz` });
      const r = await runHook(s.dir, 'post_push', s.env);
      expect(r.code, r.out).toBe(0);
      expect(served).toBe(2);
      expect(r.stderr).toMatch(
        /^warn: GET \S+mt\.tar\.gz: the file from \S+ has sha256 [0-9a-f]{64}, not the pinned [0-9a-f]{64}; retrying/m,
      );
      expect(toolCalls(s)).toHaveLength(1);
      await expectList(s);
    } finally {
      await new Promise<void>((r) => cut.close(() => r()));
    }
  });
});
