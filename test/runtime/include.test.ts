// post_push with --include: an image built elsewhere (here a crafted image whose config says
// windows/amd64 and an os.version, pushed through the registry's HTTP API, since no Windows image
// can be built here) is in every published list by digest, with the platform and os.version its
// config states, read when the list is published; a missing one stops the publish in one sentence.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import { verifyImage } from '../../src/check/index.js';
import { startHttpServer, type HttpServer } from '../support/http-server.js';
import { cleanupTemps, hubBuildEnv, hookEnv, tmpDir } from '../support/env.js';
import { getManifest, hookConfig, packArchive, putImage, runHook, uniqueRepo, writeHooks } from './support.js';

const host = inject('registry');
const SHA = 'c0ffee00'.repeat(5);
const WINDOWS = { os: 'windows', architecture: 'amd64' };
const OS_VERSION = '10.0.20348.2762';
let server: HttpServer;
let tool: { file: string; sha256: string };

beforeAll(async () => {
  tool = packArchive();
  server = await startHttpServer({ '/mt.tar.gz': { file: tool.file } });
});
afterAll(async () => {
  await server?.stop();
  cleanupTemps();
});

interface ListDoc {
  manifests: { digest: string; platform: { os: string; architecture: string; variant?: string; 'os.version'?: string } }[];
}

async function publish(publisher: 'docker' | 'manifest-tool', o: { pushWindows: boolean; windowsRevision?: string }) {
  const repo = uniqueRepo('include');
  for (const a of DEFAULT_ARCHES) await putImage(host, repo, a, a, { revision: SHA });
  const windows = o.pushWindows
    ? await putImage(host, repo, 'windows-ltsc2022', 'amd64', {
        platform: WINDOWS,
        osVersion: OS_VERSION,
        revision: o.windowsRevision ?? SHA,
      })
    : undefined;
  const dir = writeHooks(tmpDir('cmh-include-'), {
    ...hookConfig({ publisher, pins: { manifestToolUrl: `${server.url}/mt.tar.gz`, manifestToolSha256: tool.sha256 } }),
    include: [':windows-ltsc2022'],
  });
  const env = hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo, tag: 'arm64v8', dockerfilePath: 'Dockerfile.arm64v8', sourceCommit: SHA }),
      MULTIARCH_RETRY_DELAY: '0.01',
    },
  });
  const r = await runHook(dir, 'post_push', env);
  const list = await getManifest(host, repo, 'latest');
  return { r, repo, windows, list: list.status === 200 ? (JSON.parse(list.bytes.toString()) as ListDoc) : undefined };
}

describe('post_push with --include', () => {
  it.each(['docker', 'manifest-tool'] as const)(
    'with %s: the list names the included image by digest, with its os, architecture and os.version',
    async (publisher) => {
      const { r, windows, list } = await publish(publisher, { pushWindows: true });
      expect(r.code, r.out).toBe(0);
      expect(r.stderr).toContain('published');
      expect(list!.manifests).toHaveLength(DEFAULT_ARCHES.length + 1);
      const entry = list!.manifests.find((m) => m.digest === windows);
      expect(entry, JSON.stringify(list)).toBeDefined();
      expect(entry!.platform).toEqual({ ...WINDOWS, 'os.version': OS_VERSION });
    },
  );

  it('a missing included image stops the publish in one sentence, and no list is written', async () => {
    const { r, list } = await publish('docker', { pushWindows: false });
    expect(r.code).not.toBe(0);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringMatching(
        /^error: \S+:windows-ltsc2022, which every list of \S+ includes \(--include\), is not in the registry; push it/,
      ),
    ]);
    expect(list).toBeUndefined();
  });
});

/** verify of the published list, with the generator's record of --include in the folder. */
async function verifyWith(repo: string, include: string[], includeRevision: 'same' | 'any') {
  const dir = tmpDir('cmh-include-verify-');
  fs.writeFileSync(path.join(dir, '.multiarch-hooks.json'), JSON.stringify({ include, includeRevision }));
  const report = await verifyImage({ image: `${host}/${repo}:latest`, dir, insecure: false, arches: [...DEFAULT_ARCHES] });
  return { ok: report.summary.ok, codes: report.findings.map((f) => f.code), messages: report.findings.map((f) => f.message) };
}

describe('verify with --include', () => {
  it('passes when the list names the included image as it is now; fails once it is rebuilt, or is missing', async () => {
    const { r, repo } = await publish('docker', { pushWindows: true });
    expect(r.code, r.out).toBe(0);
    const win = `${host}/${repo}:windows-ltsc2022`;
    expect(await verifyWith(repo, [win], 'same')).toEqual({ ok: true, codes: [], messages: [] });
    // Without the record the Windows entry is a platform nobody expected: the record is what makes it right.
    expect(
      (await verifyImage({ image: `${host}/${repo}:latest`, dir: tmpDir('cmh-no-record-'), insecure: false, arches: [...DEFAULT_ARCHES] }))
        .summary.ok,
    ).toBe(false);
    const missing = await verifyWith(repo, [win, `${host}/${repo}:windows-ltsc2019`], 'same');
    expect(missing.codes).toEqual(['include-missing']);
    expect(missing.messages[0]).toMatch(/:windows-ltsc2019 \(--include\) is not in the registry; push it, then publish the list again\.$/);
    await putImage(host, repo, 'windows-ltsc2022', 'amd64', { platform: WINDOWS, osVersion: '10.0.20348.9999', revision: SHA });
    const rebuilt = await verifyWith(repo, [win], 'same');
    expect(rebuilt.codes).toEqual(['include-not-listed']);
  });

  it('a revision that differs from the Linux images fails, unless --include-revision any was chosen', async () => {
    const { r, repo } = await publish('docker', { pushWindows: true, windowsRevision: 'abcdef12'.repeat(5) });
    expect(r.code, r.out).toBe(0);
    const win = `${host}/${repo}:windows-ltsc2022`;
    const same = await verifyWith(repo, [win], 'same');
    expect(same.codes).toEqual(['include-revision']);
    expect(same.messages[0]).toContain('or re-run the generator with --include-revision any if it may differ');
    expect(await verifyWith(repo, [win], 'any')).toEqual({ ok: true, codes: [], messages: [] });
  });
});
