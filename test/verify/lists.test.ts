/**
 * `verify` against real lists in the shared local registry: images built by buildah on real
 * per-arch busybox content, lists made by the docker CLI and buildah, an OCI index with
 * BuildKit-shaped attestation manifests pushed over the registry API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findArch } from '../../src/arch.js';
import { cleanupTemps, tmpDir } from '../support/env.js';
import { Fixtures } from './support/fixtures.js';
import { addAttestations, editList, getManifest } from './support/registry-api.js';
import { runVerify, runVerifyJson } from './support/run-verify.js';

const host = inject('registry');
const repo = `verify-${process.pid}/app`;
const REV_OLD = '0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e';
const REV_NEW = 'f00dfeed0123456789abcdef0123456789abcdef';
const T_OLD = 1_700_000_000; // 2023-11-14 22:13:20Z
const T_NEW = T_OLD + 3600;
const FOUR = ['amd64', 'arm32v6', 'arm32v7', 'arm64v8'];

const fx = new Fixtures(host, repo);
const img: Record<string, string> = {};
const platformOf = (arch: string) => findArch(arch)!.platform;

beforeAll(async () => {
  for (const arch of FOUR) img[arch] = await fx.image(`new-${arch}`, { arch, revision: REV_NEW, created: T_NEW });
  img.oldArm64 = await fx.image('old-arm64v8', { arch: 'arm64v8', revision: REV_OLD, created: T_OLD });
  // arm64 content whose config claims amd64: what the classic builder did under QEMU (moby/moby#36552).
  img.mislabelled = await fx.image('mislabelled-arm64v8', {
    arch: 'arm64v8',
    revision: REV_NEW,
    created: T_NEW,
    configPlatform: { architecture: 'amd64', variant: '' },
  });
  img.unlabelled = await fx.image('unlabelled-amd64', { arch: 'amd64', created: T_NEW });
  img.armNoVariant = await fx.image('arm-novariant', {
    arch: 'arm32v7',
    revision: REV_NEW,
    created: T_NEW,
    configPlatform: { architecture: 'arm', variant: '' },
  });
});

afterAll(() => cleanupTemps());

describe('verify on real lists', () => {
  it('passes a correct four-arch list made by docker manifest, in the table and in --json', async () => {
    const ref = await fx.dockerList(
      'good',
      FOUR.map((arch) => ({ ref: img[arch], arch })),
    );
    const started = Date.now();
    const table = await runVerify({ image: ref });
    console.log(`verify wall time on a 4-arch list: ${Date.now() - started} ms`);
    expect(table.code, table.text).toBe(0);
    const rows = table.text.split('\n').filter((l) => /^[✓✗!] {2}\S/.test(l));
    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(FOUR);
    expect(rows.every((r) => r.startsWith('✓'))).toBe(true);
    expect(table.text).toContain(`✓ OK: 4 of 4 expected platforms, configs match the list, all from revision ${REV_NEW.slice(0, 12)}`);
    expect(table.text).not.toContain('\x1b[');

    const { code, report } = await runVerifyJson({ image: ref });
    expect(code).toBe(0);
    expect(report).toMatchObject({
      schemaVersion: 1,
      image: ref,
      registry: host,
      repository: repo,
      tag: 'good',
      found: true,
      kind: 'docker-list',
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      missing: [],
      ignored: [],
      findings: [],
      summary: { ok: true, errors: 0, warnings: 0, expected: 4, present: 4, revisions: [REV_NEW] },
    });
    expect(report.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.entries.map((e) => [e.arch, e.platform, e.config?.platform, e.config?.revision, e.verdict])).toEqual(
      FOUR.map((a) => {
        const p = platformOf(a);
        const s = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
        return [a, s, s, REV_NEW, 'ok'];
      }),
    );
    for (const e of report.entries) {
      expect(e.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(e.size).toBeGreaterThan(100);
      expect(e.imageSize).toBeGreaterThan(e.size);
      expect(e.config?.created).toBe(new Date(T_NEW * 1000).toISOString().replace('.000Z', 'Z'));
    }
  });

  it('reports an arch missing from the list', async () => {
    const ref = await fx.list(
      'missing',
      ['amd64', 'arm32v7', 'arm64v8'].map((a) => ({ ref: img[a] })),
      'v2s2',
    );
    const { code, report } = await runVerifyJson({ image: ref, arches: FOUR });
    expect(code).toBe(1);
    expect(report.missing).toEqual([{ arch: 'arm32v6', platform: 'linux/arm/v6' }]);
    expect(report.findings.map((f) => [f.severity, f.code, f.arch])).toEqual([['error', 'missing-platform', 'arm32v6']]);
    expect(report.entries.every((e) => e.verdict === 'ok')).toBe(true);
    const table = await runVerify({ image: ref, arches: FOUR });
    expect(table.text).toMatch(/^✗ {2}arm32v6 +linux\/arm\/v6 +- +- +- +- +missing$/m);
    expect(table.text).toContain('✗ 1 error: 3 of 4 expected platforms present');
  });

  it('reports an arm64 image whose config says amd64 (moby/moby#36552)', async () => {
    const entries = [{ ref: img.amd64 }, { ref: img.mislabelled, platform: platformOf('arm64v8') }];
    const ref = await fx.list('mislabelled', entries, 'v2s2');
    const { code, report } = await runVerifyJson({ image: ref, arches: ['amd64', 'arm64v8'] });
    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.code, f.arch])).toEqual([['config-mismatch', 'arm64v8']]);
    expect(report.findings[0].message).toContain('the list says linux/arm64/v8 but the image config says linux/amd64');
    expect(report.findings[0].message).toContain('moby/moby#36552');
    expect(report.entries.map((e) => [e.arch, e.config?.platform, e.verdict])).toEqual([
      ['amd64', 'linux/amd64', 'ok'],
      ['arm64v8', 'linux/amd64', 'fail'],
    ]);
  });

  it('reports a list mixing two revisions, blaming the entry older than the newest', async () => {
    const entries = [img.amd64, img.arm32v6, img.arm32v7, img.oldArm64].map((r) => ({ ref: r }));
    const ref = await fx.list('mixed', entries, 'v2s2');
    const { code, report } = await runVerifyJson({ image: ref, arches: FOUR });
    expect(code).toBe(1);
    expect(report.summary.revisions.sort()).toEqual([REV_OLD, REV_NEW].sort());
    expect(report.findings.map((f) => [f.code, f.arch])).toEqual([['mixed-revisions', 'arm64v8']]);
    expect(report.findings[0].message).toContain(`built from revision ${REV_OLD.slice(0, 12)}`);
    expect(report.entries.filter((e) => e.verdict === 'fail').map((e) => e.arch)).toEqual(['arm64v8']);
  });

  it('blames the odd one out, not the older majority: a late rebuild of one arch from another commit', async () => {
    const lateNew = await fx.image('late-new-amd64', { arch: 'amd64', revision: REV_NEW, created: T_NEW + 3600 });
    const oldOnes = await Promise.all(
      (['arm32v6', 'arm32v7'] as const).map((arch) => fx.image(`old-${arch}`, { arch, revision: REV_OLD, created: T_OLD })),
    );
    const entries = [lateNew, ...oldOnes, img.oldArm64].map((r) => ({ ref: r }));
    const ref = await fx.list('late-rebuild', entries, 'v2s2');
    const { code, report } = await runVerifyJson({ image: ref, arches: FOUR });
    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.code, f.arch])).toEqual([['mixed-revisions', 'amd64']]);
    expect(report.findings[0].message).toBe(
      `amd64 was built from revision ${REV_NEW.slice(0, 12)}, arm32v6, arm32v7, arm64v8 from ` +
        `${REV_OLD.slice(0, 12)}; rebuild amd64 from the same commit and publish the list again.`,
    );
  });

  it('reports a tag that is a single image, not a list', async () => {
    const { code, report } = await runVerifyJson({ image: img.amd64, arches: FOUR });
    expect(code).toBe(1);
    expect(report.kind).toBe('docker-image');
    expect(report.findings.map((f) => f.code)).toEqual(['single-image']);
    expect(report.findings[0].message).toContain('is a single image (linux/amd64), not a manifest list');
    expect(report.entries).toHaveLength(1);
    expect(report.entries[0].config?.platform).toBe('linux/amd64');
    expect(report.missing.map((m) => m.arch)).toEqual(['arm32v6', 'arm32v7', 'arm64v8']);
  });

  it('reads an OCI index and ignores its attestation manifests', async () => {
    const ref = await fx.list(
      'oci',
      FOUR.map((a) => ({ ref: img[a] })),
      'oci',
    );
    const { attestations } = await addAttestations(host, repo, 'oci');
    const { code, report } = await runVerifyJson({ image: ref, arches: FOUR });
    expect(code, JSON.stringify(report.findings)).toBe(0);
    expect(report.kind).toBe('oci-index');
    expect(report.entries.map((e) => e.arch)).toEqual(FOUR);
    expect(report.ignored).toEqual(attestations.map((a) => ({ digest: a.digest, platform: 'unknown/unknown', reason: 'attestation' })));
    const table = await runVerify({ image: ref, arches: FOUR });
    expect(table.text.split('\n')[0]).toMatch(/ OCI image index {2}[0-9a-f]{12} {2}\(4 images, 4 attestations ignored\)$/);
  });

  it('reports a tag that does not exist', async () => {
    const image = `${host}/${repo}:no-such-tag`;
    const { code, report } = await runVerifyJson({ image });
    expect(code).toBe(1);
    expect(report.found).toBe(false);
    expect(report.findings.map((f) => f.code)).toEqual(['tag-not-found']);
    const table = await runVerify({ image });
    expect(table.text.split('\n')[0]).toBe(`${image}: not found`);
    // A repository that does not exist reads the same way on this registry.
    const other = await runVerifyJson({ image: `${host}/verify-nobody/none:latest` });
    expect(other.report.findings.map((f) => f.code)).toEqual(['tag-not-found']);
  });

  it('reports a list entry whose image was deleted from the registry', async () => {
    const doomed = await fx.image('doomed-arm64v8', { arch: 'arm64v8', revision: REV_NEW, created: T_NEW });
    await fx.list('dangling', [{ ref: img.amd64 }, { ref: doomed }], 'v2s2');
    const { doc } = await getManifest<{ manifests: { digest: string }[] }>(host, repo, 'dangling');
    const digest = doc.manifests[1].digest;
    const del = await fetch(`http://${host}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    const { code, report } = await runVerifyJson({ image: `${host}/${repo}:dangling`, arches: ['amd64', 'arm64v8'] });
    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.code, f.arch, f.digest])).toEqual([['manifest-unknown', 'arm64v8', digest]]);
    expect(report.entries[1]).toMatchObject({ arch: 'arm64v8', config: null, imageSize: null, verdict: 'fail' });
  });

  it('warns, without failing, about an image without a revision label', async () => {
    const ref = await fx.list('unlabelled', [{ ref: img.unlabelled }, { ref: img.arm64v8 }], 'v2s2');
    const { code, report } = await runVerifyJson({ image: ref, arches: ['amd64', 'arm64v8'] });
    expect(code).toBe(0);
    expect(report.findings.map((f) => [f.severity, f.code, f.arch])).toEqual([['warning', 'missing-revision', 'amd64']]);
    expect(report.entries.map((e) => e.verdict)).toEqual(['warn', 'ok']);
    const table = await runVerify({ image: ref, arches: ['amd64', 'arm64v8'] });
    expect(table.text).toContain(
      `! OK with 1 warning: 2 of 2 expected platforms, configs match the list, where labelled, revision ${REV_NEW.slice(0, 12)}`,
    );
  });

  it('applies the arm variant rules: a config without variant is v7, a list entry without one is warned about', async () => {
    // Config says plain `arm`; buildah lists it as arm/v7, so the variant is taken out over the API.
    const bare = await fx.list('arm-bare', [{ ref: img.armNoVariant }], 'v2s2');
    await editList(host, repo, 'arm-bare', (entries) => entries.map((e) => ({ ...e, platform: { os: 'linux', architecture: 'arm' } })));
    const r1 = await runVerifyJson({ image: bare, arches: ['arm32v7'] });
    expect(r1.report.entries[0].platform).toBe('linux/arm');
    expect(r1.report.entries[0].arch).toBe('arm32v7');
    expect(r1.report.findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'missing-variant']]);
    expect(r1.code).toBe(0);
    // Listed as arm/v7 it agrees with its config (a bare arm is v7) ...
    const v7 = await fx.list('arm-v7', [{ ref: img.armNoVariant, platform: platformOf('arm32v7') }], 'v2s2');
    const r2 = await runVerifyJson({ image: v7, arches: ['arm32v7'] });
    expect(r2.report.findings).toEqual([]);
    expect(r2.code).toBe(0);
    // ... listed as arm/v6 it does not.
    const v6 = await fx.list('arm-v6', [{ ref: img.armNoVariant, platform: platformOf('arm32v6') }], 'v2s2');
    const r3 = await runVerifyJson({ image: v6, arches: ['arm32v6'] });
    expect(r3.report.findings.map((f) => [f.code, f.arch])).toEqual([['config-mismatch', 'arm32v6']]);
    expect(r3.code).toBe(1);
  });

  it('takes the image and the expected platforms from multi-arch-manifest.yaml, and reports extra platforms', async () => {
    await fx.list(
      'latest',
      FOUR.map((a) => ({ ref: img[a] })),
      'v2s2',
    );
    const dir = tmpDir('cmh-verify-spec-');
    fs.writeFileSync(
      path.join(dir, 'multi-arch-manifest.yaml'),
      `image: ${host}/${repo}\nmanifests:\n` +
        `  - image: ${host}/${repo}:amd64\n    platform: { architecture: amd64, os: linux }\n` +
        `  - image: ${host}/${repo}:arm64v8\n    platform: { architecture: arm64, os: linux, variant: v8 }\n`,
    );
    const { code, report } = await runVerifyJson({ dir });
    expect(report.image).toBe(`${host}/${repo}:latest`);
    expect(report.expected).toEqual([
      { arch: 'amd64', platform: 'linux/amd64' },
      { arch: 'arm64v8', platform: 'linux/arm64/v8' },
    ]);
    expect(report.findings.map((f) => [f.code, f.arch])).toEqual([
      ['unexpected-platform', 'arm32v6'],
      ['unexpected-platform', 'arm32v7'],
    ]);
    expect(code).toBe(1);
    // --arch overrides the spec's set.
    const all = await runVerifyJson({ dir, arches: FOUR });
    expect(all.code).toBe(0);
  });

  it('colours the marks only when asked (FORCE_COLOR), never in a plain run', async () => {
    const ref = await fx.list('colour', [{ ref: img.amd64 }], 'v2s2');
    const plain = await runVerify({ image: ref, arches: ['amd64'] });
    expect(plain.text).not.toContain('\x1b[');
    const coloured = await runVerify({ image: ref, arches: ['amd64'], env: { ...process.env, FORCE_COLOR: '1', DOCKER_CONFIG: tmpDir() } });
    expect(coloured.text).toContain('\x1b[32m✓\x1b[0m  amd64');
  });
});
