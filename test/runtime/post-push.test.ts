// post_push on what else a registry can hold: per-arch tags that are BuildKit indexes with
// attestations, images without the revision label or with a wrong platform in their config, an
// old single-arch image at the list tag, every arch of the table.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { archNames, DEFAULT_ARCHES, platformString } from '../../src/arch.js';
import { cleanupTemps, hubBuildEnv, hookEnv, tmpDir } from '../support/env.js';
import {
  arch,
  getManifest,
  hookConfig,
  putImage,
  putManifest,
  readList,
  runHook,
  tablePlatforms,
  platformsOf,
  uniqueRepo,
  writeHooks,
  type ConfigOptions,
} from './support.js';

const host = inject('registry');
const SHA = '5ca1ab1e'.repeat(5);
afterAll(() => cleanupTemps());

function env(repo: string, tag: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo, tag, dockerfilePath: '', sourceCommit: SHA }),
      MULTIARCH_RETRY_DELAY: '0.01',
      ...extra,
    },
  });
}
const hooks = (o: ConfigOptions = {}) => writeHooks(tmpDir('cmh-pp-'), hookConfig({ publisher: 'docker', ...o }));

describe('post_push', () => {
  it('per-arch tags that are BuildKit indexes (image + attestation): lists the images, not the indexes', async () => {
    const repo = uniqueRepo('buildkit');
    const images: string[] = [];
    for (const name of DEFAULT_ARCHES) {
      const p = arch(name).platform;
      // BuildKit normalizes arm64/v8 to arm64 in the index; the hook must still find the entry.
      const indexPlatform = name === 'arm64v8' ? { os: p.os, architecture: p.architecture } : p;
      const img = await putImage(host, repo, `img-${name}`, name, { revision: SHA, format: 'oci' });
      const att = await putImage(host, repo, `att-${name}`, name, { format: 'oci', platform: { os: 'unknown', architecture: 'unknown' } });
      const size = async (d: string) => (await getManifest(host, repo, d)).bytes.length;
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: att,
            size: await size(att),
            platform: { architecture: 'unknown', os: 'unknown' },
            annotations: { 'vnd.docker.reference.digest': img, 'vnd.docker.reference.type': 'attestation-manifest' },
          },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img, size: await size(img), platform: indexPlatform },
        ],
      };
      await putManifest(host, repo, name, Buffer.from(JSON.stringify(index)), index.mediaType);
      images.push(img);
    }
    const r = await runHook(hooks(), 'post_push', env(repo, 'arm32v7'));
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain('published');
    expect(r.stderr).not.toContain('warn:');
    const list = await readList(host, repo, 'latest');
    expect(platformsOf(list!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
    for (const [i, name] of DEFAULT_ARCHES.entries()) {
      expect(list!.entries.find((e) => platformString(e.platform) === platformString(arch(name).platform))!.digest).toBe(images[i]);
    }
  });

  it('an image without the revision label: waits for it, saying it was not built by hooks/build', async () => {
    const repo = uniqueRepo('nolabel');
    for (const name of DEFAULT_ARCHES) await putImage(host, repo, name, name, { revision: name === 'arm32v6' ? undefined : SHA });
    const r = await runHook(hooks(), 'post_push', env(repo, 'amd64'));
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain('info: waiting for arm32v6 (has no org.opencontainers.image.revision label (not built by hooks/build));');
    expect(await readList(host, repo, 'latest')).toBeNull();
  });

  it('an image config with the wrong platform (classic builder): warns, and the list entry names the right one', async () => {
    const repo = uniqueRepo('mislabelled');
    for (const name of DEFAULT_ARCHES) {
      await putImage(host, repo, name, name, {
        revision: SHA,
        platform: name === 'arm64v8' ? { os: 'linux', architecture: 'amd64' } : undefined,
      });
    }
    const r = await runHook(hooks(), 'post_push', env(repo, 'amd64'));
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain(`warn: the image config of ${host}/${repo}:arm64v8 says linux/amd64; the list names it linux/arm64/v8.`);
    expect(platformsOf((await readList(host, repo, 'latest'))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
  });

  it('replaces an old single-arch image at the list tag', async () => {
    const repo = uniqueRepo('single');
    await putImage(host, repo, 'latest', 'amd64', { revision: 'old' });
    for (const name of DEFAULT_ARCHES) await putImage(host, repo, name, name, { revision: SHA });
    const r = await runHook(hooks(), 'post_push', env(repo, 'arm64v8'));
    expect(r.code, r.out).toBe(0);
    expect(platformsOf((await readList(host, repo, 'latest'))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
  });

  it('every arch of the table gets its platform (with variants) in the list', async () => {
    const repo = uniqueRepo('all-arches');
    const names = archNames();
    for (const name of names) await putImage(host, repo, `7.1-${name}`, name, { revision: SHA });
    const r = await runHook(hooks({ arches: names }), 'post_push', env(repo, '7.1-s390x'));
    expect(r.code, r.out).toBe(0);
    const list = await readList(host, repo, '7.1');
    expect(platformsOf(list!.entries)).toEqual(tablePlatforms(names));
    for (const e of list!.entries) if (e.platform.architecture.startsWith('arm')) expect(e.platform.variant).toMatch(/^v[5-8]$/);
  });

  it('an arm32v6 tag that is a list holding only an arm/v7 image: that is not the v6 image, it waits', async () => {
    const repo = uniqueRepo('variant');
    for (const name of DEFAULT_ARCHES)
      await putImage(host, repo, name === 'arm32v6' ? 'v7-image' : name, name, { revision: SHA, format: 'oci' });
    const v7 = await putImage(host, repo, 'v7-image', 'arm32v7', { revision: SHA, format: 'oci' });
    const size = (await getManifest(host, repo, v7)).bytes.length;
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: v7,
          size,
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        },
      ],
    };
    await putManifest(host, repo, 'arm32v6', Buffer.from(JSON.stringify(index)), index.mediaType);
    const r = await runHook(hooks(), 'post_push', env(repo, 'amd64'));
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain(`info: waiting for arm32v6 (${host}/${repo}:arm32v6 is a list without a linux/arm/v6 image);`);
    expect(await readList(host, repo, 'latest')).toBeNull();
  });

  it("this build's own image is not in the registry: an error, since the list could never be complete", async () => {
    const repo = uniqueRepo('own-missing');
    for (const name of DEFAULT_ARCHES) if (name !== 'arm64v8') await putImage(host, repo, name, name, { revision: SHA });
    const r = await runHook(hooks(), 'post_push', env(repo, 'arm64v8'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: ${host}/${repo}:arm64v8, the image this build just pushed, is not in the registry, so ` +
        `the list can never be complete; check that ` +
        `DOCKER_REPO (${host}/${repo}) is where the push went.`,
    );
    expect(await readList(host, repo, 'latest')).toBeNull();
  });

  it('docker manifest gets --insecure from the hook itself for a loopback registry (the real CLI needs it)', async () => {
    const repo = uniqueRepo('plain-http');
    for (const name of DEFAULT_ARCHES) await putImage(host, repo, name, name, { revision: SHA });
    const r = await runHook(hooks(), 'post_push', env(repo, 'amd64'));
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain(`published ${host}/${repo}:latest (commit ${SHA})`);
    expect(platformsOf((await readList(host, repo, 'latest'))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
  });

  it.each([
    ['MULTIARCH_PUBLISHER=buildx', { MULTIARCH_PUBLISHER: 'buildx' }, /error: MULTIARCH_PUBLISHER=buildx: use docker or manifest-tool, /],
    // A docker-publisher hook carries no manifest-tool download: the override names the generator's option.
    [
      'MULTIARCH_PUBLISHER=manifest-tool in a post_push generated for docker',
      { MULTIARCH_PUBLISHER: 'manifest-tool' },
      /^error: MULTIARCH_PUBLISHER=manifest-tool: use docker or manifest-tool, which needs a post_push generated for it \(run npx create-multiarch-hooks --publisher manifest-tool and commit what it writes\)\.$/m,
    ],
    ['no DOCKER_REPO', { DOCKER_REPO: undefined }, /error: DOCKER_REPO is not set; set it to the image repository/],
  ])('refuses %s', async (_name, extra, message) => {
    const r = await runHook(hooks(), 'post_push', env(uniqueRepo('refuse'), 'amd64', extra));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
