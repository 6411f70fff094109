import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bitbucketPipelines, buildCommands } from '../../src/ci/index.js';
import { MERGE_SCRIPT } from '../../src/ci/scripts.js';
import { UserError } from '../../src/errors.js';
import { checkStructure, PER_ARCH_SOURCE, type Pipelines, target } from './helpers.js';

/** Runs script items with a `docker` that logs its argv (calls end with \x1d, fields with \x1e: an argument may hold a newline). */
function runWithFakeDocker(lines: string[], env: Record<string, string>): { status: number | null; stdout: string; calls: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'cmh-bb-'));
  mkdirSync(join(dir, 'bin'));
  const log = join(dir, 'log');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'bin', 'docker'),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\036' "$a"; done >> "${log}"\nprintf '\\035' >> "${log}"\n`,
  );
  chmodSync(join(dir, 'bin', 'docker'), 0o755);
  const r = spawnSync('sh', ['-c', lines.join('\n')], {
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, ...env },
    encoding: 'utf8',
  });
  const calls = readFileSync(log, 'utf8')
    .split('\x1d')
    .filter(Boolean)
    .map((l) => ['docker', ...l.split('\x1e').slice(0, -1)]);
  return { status: r.status, stdout: r.stdout, calls };
}

describe('bitbucketPipelines', () => {
  it('neutral Dockerfile: Runtime v3, the docker service, one buildx build of every platform on the branch and on version tags', () => {
    const t = target();
    const file = bitbucketPipelines([t], '1.0.0');
    expect(file.path).toBe('bitbucket-pipelines.yml');
    const doc = parse(file.content) as Pipelines;
    const steps = checkStructure(doc);
    expect(Object.keys(doc.pipelines.branches)).toEqual(['main']);
    expect(Object.keys(doc.pipelines.tags!)).toEqual(['v**']);
    expect(steps).toHaveLength(2);
    const script = doc.pipelines.branches.main![0]!.step.script;
    expect(script.filter((l) => l.startsWith('docker buildx build'))).toHaveLength(1);
    expect(script.some((l) => l.includes('--privileged') && l.includes('--reset -p yes'))).toBe(true);
    expect(file.content).not.toMatch(/npx|simulate/);
  });

  it('the build line runs what buildCommands lists (revision from BITBUCKET_COMMIT), and the tag step captures the version', () => {
    const t = target();
    const doc = parse(bitbucketPipelines([t], '1.0.0').content) as Pipelines;
    const tagScript = doc.pipelines.tags!['v**']![0]!.step.script;
    const build = tagScript.find((l) => l.startsWith('docker buildx build'))!;
    const r = runWithFakeDocker([tagScript[0]!, 'CREATED=now', build], {
      BITBUCKET_TAG: 'v1.2.3',
      BITBUCKET_COMMIT: 'c0ffee',
      BITBUCKET_GIT_HTTP_ORIGIN: 'https://bitbucket.org/acme/demo',
    });
    expect(r.status).toBe(0);
    const expected = buildCommands(t, {
      image: 'acme/demo',
      listTags: ['1.2.3'],
      revision: 'c0ffee',
      labels: {
        'org.opencontainers.image.source': 'https://bitbucket.org/acme/demo',
        'org.opencontainers.image.created': 'now',
        'org.opencontainers.image.version': '1.2.3',
      },
      metadataFile: () => '/tmp/build-all.json',
      cache: () => ({ from: 'type=local,src=/root/.cache/buildx-root', to: 'type=local,dest=/root/.cache/buildx-root,mode=max' }),
    }).builds[0]!.argv;
    expect(r.calls).toEqual([expected]);
    // A tag the step's glob lets through but the rule's regex does not: nothing is built.
    const other = runWithFakeDocker([tagScript[0]!, build], { BITBUCKET_TAG: 'very-old' });
    expect(other.status).toBe(0);
    expect(other.stdout).toContain('does not match the tag rule');
    expect(other.calls).toEqual([]);
  });

  it('a Dockerfile rewritten per arch: one build per arch from its Dockerfile, then the merge by digest', () => {
    const doc = parse(bitbucketPipelines([target({ source: PER_ARCH_SOURCE })], '1.0.0').content) as Pipelines;
    checkStructure(doc);
    const script = doc.pipelines.branches.main![0]!.step.script;
    const builds = script.filter((l) => l.startsWith('docker buildx build'));
    expect(builds.map((l) => /--file (\S+)/.exec(l)![1])).toEqual(['Dockerfile', 'Dockerfile.arm32v7', 'Dockerfile.arm64v8']);
    expect(builds.every((l) => l.includes('push-by-digest=true'))).toBe(true);
    expect(script).toContain(MERGE_SCRIPT.replace(/\n$/, ''));
  });

  it('several Dockerfiles share the one file: a step each, one cache each', () => {
    const doc = parse(
      bitbucketPipelines([target({ dirRel: 'api', repository: 'acme/api' }), target({ dirRel: 'web', repository: 'acme/web' })], '1.0.0')
        .content,
    ) as Pipelines;
    checkStructure(doc);
    expect(doc.pipelines.branches.main!.map((s) => s.step.name)).toEqual([
      expect.stringContaining('acme/api:latest'),
      expect.stringContaining('acme/web:latest'),
    ]);
    expect(Object.keys(doc.definitions.caches)).toEqual(['buildx-api', 'buildx-web']);
  });

  it('a folder name with a newline, quotes or $(...) stays one argument: it is never run', () => {
    const dir = 'evil\nmalicious: true\n\'x"$(touch /tmp/cmh-pwned)';
    const doc = parse(bitbucketPipelines([target({ dirRel: dir })], '1.0.0').content) as Pipelines;
    checkStructure(doc);
    const build = doc.pipelines.branches.main![0]!.step.script.find((l) => l.startsWith('docker buildx build'))!;
    const r = runWithFakeDocker(['CREATED=now', build], {});
    expect(r.status).toBe(0);
    const argv = r.calls[0]!;
    expect(argv[argv.indexOf('--file') + 1]).toBe(`${dir}/Dockerfile`);
    expect(argv.at(-1)).toBe(dir);
  });

  it('what Bitbucket cannot do is refused in one sentence: a tag rule sed cannot express, an unanchored one, a wildcard branch', () => {
    for (const [o, msg] of [
      [{ tagRegex: '/^v(?:x)([0-9]+)$/' }, 'sed -E'],
      [{ tagRegex: '/v([0-9.]+)$/' }, 'not anchored with ^'],
      [{ branch: 'release/*' }, 'wildcard'],
    ] as const) {
      let err: unknown;
      try {
        bitbucketPipelines([target(o)], '1.0.0');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain(msg);
    }
  });
});
