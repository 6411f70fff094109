import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCommands, platformDigests, publishCommands } from '../../src/ci/index.js';
import { ARCH_TAGS_SCRIPT, MERGE_SCRIPT } from '../../src/ci/scripts.js';
import { PER_ARCH_SOURCE, target } from './helpers.js';

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const values = {
  image: '127.0.0.1:5000/acme/demo',
  listTags: ['1.2.3'],
  revision: 'abc123',
  metadataFile: (a: string | null) => `/tmp/m-${a ?? 'all'}.json`,
};

// The index a multi-platform build pushes: arm64 without a variant (BuildKit normalizes v8 away),
// and an attestation entry per image, as buildx adds by default.
const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { digest: D(1), platform: { os: 'linux', architecture: 'amd64' } },
    { digest: D(2), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: D(3), platform: { os: 'linux', architecture: 'arm64' } },
    { digest: D(4), platform: { os: 'unknown', architecture: 'unknown' } },
  ],
});

describe('buildCommands', () => {
  it('neutral Dockerfile: one docker buildx build of the user Dockerfile for every platform, pushed under the list tags', () => {
    const t = target();
    expect(buildCommands(t, values).builds).toEqual([
      {
        arch: null,
        argv: [
          'docker',
          'buildx',
          'build',
          '--platform',
          'linux/amd64,linux/arm/v7,linux/arm64/v8',
          '--file',
          'Dockerfile',
          '--label',
          'org.opencontainers.image.revision=abc123',
          '--tag',
          '127.0.0.1:5000/acme/demo:1.2.3',
          '--metadata-file',
          '/tmp/m-all.json',
          '--push',
          '.',
        ],
      },
    ]);
  });

  it('per-arch Dockerfile: one build per arch from its own Dockerfile, pushed by digest as a single image', () => {
    const b = buildCommands(target({ source: PER_ARCH_SOURCE, dirRel: 'web' }), { ...values, buildFlags: ['--network=host'] }).builds;
    expect(b.map((x) => x.arch)).toEqual(['amd64', 'arm32v7', 'arm64v8']);
    expect(b[2]!.argv).toEqual([
      'docker',
      'buildx',
      'build',
      '--platform',
      'linux/arm64/v8',
      '--file',
      'web/Dockerfile.arm64v8',
      '--label',
      'org.opencontainers.image.revision=abc123',
      '--provenance=false',
      '--output',
      'type=image,name=127.0.0.1:5000/acme/demo,push-by-digest=true,name-canonical=true,push=true',
      '--network=host',
      '--metadata-file',
      '/tmp/m-arm64v8.json',
      'web',
    ]);
    expect(b[0]!.argv).toContain('web/Dockerfile');
  });

  it("per-arch Dockerfile on a builder that cannot push by digest (Docker's docker driver): a staging tag per arch", () => {
    const b = buildCommands(target({ source: PER_ARCH_SOURCE }), { ...values, stagingTag: (a) => `ci-${a}` }).builds;
    const argv = b[1]!.argv;
    expect(argv.slice(argv.indexOf('--tag'), argv.indexOf('--tag') + 3)).toEqual([
      '--tag',
      '127.0.0.1:5000/acme/demo:ci-arm32v7',
      '--push',
    ]);
    expect(b[1]!.argv.join(' ')).not.toContain('push-by-digest');
  });
});

describe('platformDigests', () => {
  it('finds each arch by platform, arm64 without a variant as arm64/v8, skipping attestations', () => {
    expect(platformDigests(INDEX, target().arches)).toEqual({ amd64: D(1), arm32v7: D(2), arm64v8: D(3) });
  });
  it('throws when an arch is missing', () => {
    expect(() => platformDigests(INDEX, target({ arches: ['amd64', 'arm32v6'] }).arches)).toThrow('no linux/arm/v6 image');
  });
});

describe('publishCommands', () => {
  const digests = { amd64: D(1), arm32v7: D(2), arm64v8: D(3) };
  it('per-arch builds: the list from the digests, then each per-arch tag as a single image', () => {
    expect(publishCommands(target({ source: PER_ARCH_SOURCE }), { image: 'r/acme/demo', listTags: ['latest'] }, digests)).toEqual([
      [
        'docker',
        'buildx',
        'imagetools',
        'create',
        '--tag',
        'r/acme/demo:latest',
        `r/acme/demo@${D(1)}`,
        `r/acme/demo@${D(2)}`,
        `r/acme/demo@${D(3)}`,
      ],
      ['docker', 'buildx', 'imagetools', 'create', '--prefer-index=false', '--tag', 'r/acme/demo:amd64', `r/acme/demo@${D(1)}`],
      ['docker', 'buildx', 'imagetools', 'create', '--prefer-index=false', '--tag', 'r/acme/demo:arm32v7', `r/acme/demo@${D(2)}`],
      ['docker', 'buildx', 'imagetools', 'create', '--prefer-index=false', '--tag', 'r/acme/demo:arm64v8', `r/acme/demo@${D(3)}`],
    ]);
  });
  it('one build pushed the list already: only the per-arch tags (1.2.3-arm64v8), none with --no-arch-tags', () => {
    const cmds = publishCommands(target(), { image: 'r/a', listTags: ['1.2.3'] }, digests);
    expect(cmds.map((c) => c.slice(5, 7))).toEqual([
      ['--tag', 'r/a:1.2.3-amd64'],
      ['--tag', 'r/a:1.2.3-arm32v7'],
      ['--tag', 'r/a:1.2.3-arm64v8'],
    ]);
    expect(publishCommands(target({ archTags: false }), { image: 'r/a', listTags: ['1.2.3'] }, digests)).toEqual([]);
  });
});

/**
 * The pipelines' shell steps run against a `docker` that logs its arguments (and answers
 * `imagetools inspect --raw` with INDEX): they must run exactly what publishCommands lists.
 */
function runScript(script: string, env: Record<string, string>): string[][] {
  const r = runScriptRaw(script, env);
  expect(r.status, r.stderr).toBe(0);
  return r.calls;
}

function runScriptRaw(script: string, env: Record<string, string>): { status: number | null; stderr: string; calls: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'cmh-script-'));
  mkdirSync(join(dir, 'bin'));
  const log = join(dir, 'log');
  writeFileSync(join(dir, 'index.json'), INDEX);
  writeFileSync(
    join(dir, 'bin', 'docker'),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\036' "$a"; done >> "${log}"\nprintf '\\n' >> ` +
      `"${log}"\nif [ "$2 $3" = "imagetools inspect" ]; then cat "${join(dir, 'index.json')}"; fi\n`,
  );
  chmodSync(join(dir, 'bin', 'docker'), 0o755);
  const r = spawnSync('sh', ['-c', script], { env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, ...env }, encoding: 'utf8' });
  const calls = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => ['docker', ...l.split('\x1e').slice(0, -1)]);
  return { status: r.status, stderr: r.stderr, calls };
}

describe('the shell steps of the pipelines run what publishCommands lists', () => {
  it('per-arch tags after one multi-platform build (digests looked up in the pushed index)', () => {
    const t = target();
    const calls = runScript(ARCH_TAGS_SCRIPT, {
      IMAGE: 'r/a',
      DIGEST: D(9),
      TAGS: 'r/a:latest\nr/a:1.2.3',
      PLATFORMS: 'amd64=linux/amd64 arm32v7=linux/arm/v7 arm64v8=linux/arm64/v8',
    });
    expect(calls[0]).toEqual(['docker', 'buildx', 'imagetools', 'inspect', '--raw', `r/a@${D(9)}`]);
    expect(calls.slice(1)).toEqual(publishCommands(t, { image: 'r/a', listTags: ['latest', '1.2.3'] }, platformDigests(INDEX, t.arches)));
  });

  it('the merge after per-arch builds (digests from files)', () => {
    const t = target({ source: PER_ARCH_SOURCE });
    const dir = mkdtempSync(join(tmpdir(), 'cmh-digests-'));
    const digests = { amd64: D(1), arm32v7: D(2), arm64v8: D(3) };
    for (const [a, d] of Object.entries(digests)) writeFileSync(join(dir, a), `${d}\n`);
    const calls = runScript(MERGE_SCRIPT, {
      IMAGE: 'r/a',
      TAGS: 'r/a:1.2.3',
      ARCHES: 'amd64 arm32v7 arm64v8',
      DIGESTS: dir,
      ARCH_TAGS: 'true',
    });
    expect(calls).toEqual(publishCommands(t, { image: 'r/a', listTags: ['1.2.3'] }, digests));
    expect(
      runScript(MERGE_SCRIPT, { IMAGE: 'r/a', TAGS: 'r/a:1.2.3', ARCHES: 'amd64 arm32v7 arm64v8', DIGESTS: dir, ARCH_TAGS: 'false' }),
    ).toHaveLength(1);
  });

  it('a missing platform fails the step', () => {
    const r = runScriptRaw(ARCH_TAGS_SCRIPT, {
      IMAGE: 'r/a',
      DIGEST: D(9),
      TAGS: 'r/a:latest',
      PLATFORMS: 'amd64=linux/amd64 arm32v6=linux/arm/v6',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`r/a@${D(9)} has no linux/arm/v6 image`);
    // amd64 was tagged before the missing arch stopped the step; nothing after it.
    expect(r.calls.map((c) => c[3])).toEqual(['inspect', 'create']);
  });
});

describe('ciTargetOnDisk', () => {
  it('reads a generated folder back into the target the pipelines were written from', async () => {
    const { ciTargetOnDisk } = await import('../../src/generate/read.js');
    const { ROOT } = await import('../cli/run-cli.js');
    const t = ciTargetOnDisk(join(ROOT, 'hooks-fixtures/ci-github-per-arch/expected'), '');
    expect(t).toMatchObject({
      repository: 'acme/pinned',
      dockerfile: 'Dockerfile',
      context: '.',
      branches: ['main'],
      tagRegexes: ['/^v([0-9.]+)$/'],
      archTags: true,
    });
    expect(t.arches.map((a) => a.name)).toEqual(['amd64', 'arm32v7', 'arm64v8']);
    expect(t.perArchReasons).toHaveLength(1);
    const sub = ciTargetOnDisk(join(ROOT, 'hooks-fixtures/ci-github-subfolder/expected'), 'docker/web');
    expect(sub).toMatchObject({ dockerfile: 'docker/web/Dockerfile', context: 'docker/web', archTags: false, perArchReasons: [] });
  });
});
