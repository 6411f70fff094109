// The GitHub workflow's --include step (INCLUDE_SCRIPT), run for real with the test bed's docker
// buildx against the loopback registry: the list just published gets the included image (a
// crafted windows/amd64 image with an os.version, since none can be built here) by digest, with
// the platform and os.version of its config; a missing one stops the run in one sentence.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import { INCLUDE_SCRIPT } from '../../src/ci/scripts.js';
import { cleanupTemps, hookEnv } from '../support/env.js';
import { run } from '../support/proc.js';
import { arch, getManifest, putImage, putManifest, uniqueRepo } from '../runtime/support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

async function listWithArches(repo: string): Promise<void> {
  const manifests = [];
  for (const a of DEFAULT_ARCHES) {
    const digest = await putImage(host, repo, a, a);
    const m = await getManifest(host, repo, digest);
    manifests.push({ mediaType: m.mediaType, digest, size: m.bytes.length, platform: arch(a).platform });
  }
  const list = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests };
  await putManifest(host, repo, 'latest', Buffer.from(JSON.stringify(list)), list.mediaType);
}

const runScript = (repo: string) =>
  run('sh', ['-c', INCLUDE_SCRIPT], {
    env: { ...hookEnv(), IMAGE: `${host}/${repo}`, TAGS: `${host}/${repo}:latest`, INCLUDE: ':windows-ltsc2022', PLAIN_HTTP: 'true' },
    timeoutMs: 120_000,
  });

describe('the workflow step for --include', () => {
  it('adds the included image to the list by digest, with its platform and os.version', async () => {
    const repo = uniqueRepo('ci-include');
    await listWithArches(repo);
    const windows = await putImage(host, repo, 'windows-ltsc2022', 'amd64', {
      platform: { os: 'windows', architecture: 'amd64' },
      osVersion: '10.0.20348.2762',
    });
    const r = await runScript(repo);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const list = JSON.parse((await getManifest(host, repo, 'latest')).bytes.toString()) as {
      manifests: { digest: string; platform: Record<string, string> }[];
    };
    expect(list.manifests).toHaveLength(DEFAULT_ARCHES.length + 1);
    expect(list.manifests.find((m) => m.digest === windows)?.platform).toEqual({
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.20348.2762',
    });
  });

  it('stops in one sentence when the included image is not in the registry', async () => {
    const repo = uniqueRepo('ci-include-missing');
    await listWithArches(repo);
    const r = await runScript(repo);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^error: \S+:windows-ltsc2022, which every list of \S+ includes \(--include\), is not in the registry; push it, then re-run this workflow\.$/,
    );
  });
});
