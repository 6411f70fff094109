// Runtime functions, called from a rendered hook: which arch and list tag a build is, how
// DOCKER_REPO maps to a registry, the backoff, the manifest-tool spec.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ARCHES, archNames } from '../../src/arch.js';
import { cleanupTemps, tmpDir } from '../support/env.js';
import { dockerfileFor, hookConfig, hookContent, withHookFunctions } from './support.js';

afterAll(() => cleanupTemps());

const all = hookConfig({ arches: archNames() });
const postPush = hookContent(all, 'post_push');
const build = hookContent(all, 'build');
const withManifestTool = hookContent({ ...all, publisher: 'manifest-tool' }, 'post_push');
const cleanEnv = (extra: Record<string, string> = {}) => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
};

describe('detect_build: arch and list tag for every arch of the table', () => {
  it.each(ARCHES.map((a) => a.name))('%s', async (name) => {
    const script = `
      for case in "${dockerfileFor(name)}|${name}" "|${name}" "sub/dir/${dockerfileFor(name)}|1.2.3-${name}" "|1.2.3-${name}" "|v2-rc.1-${name}"; do
        DOCKERFILE_PATH=\${case%%|*} DOCKER_TAG=\${case#*|}
        detect_build
        arch_tag "$LIST_TAG" "$BUILD_ARCH"
        echo "$BUILD_ARCH \${CMH_ARCHES[BUILD_I]} $LIST_TAG $REPLY"
      done`;
    const r = await withHookFunctions(build, script, cleanEnv());
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      `${name} ${name} latest ${name}`,
      `${name} ${name} latest ${name}`,
      `${name} ${name} 1.2.3 1.2.3-${name}`,
      `${name} ${name} 1.2.3 1.2.3-${name}`,
      `${name} ${name} v2-rc.1 v2-rc.1-${name}`,
    ]);
  });
});

describe('detect_build: builds it refuses', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['no DOCKER_TAG', { DOCKERFILE_PATH: 'Dockerfile' }, /DOCKER_TAG is not set/],
    [
      'a tag without arch, which would overwrite the list',
      { DOCKERFILE_PATH: 'Dockerfile', DOCKER_TAG: 'latest' },
      /does not end in amd64, so its push would overwrite a multi-arch list; set this build rule's Docker tag to amd64/,
    ],
    ['an unknown arch', { DOCKER_TAG: '1.0-sparc64' }, new RegExp(`match none of the generated ones \\(${archNames().join(' ')}\\)`)],
    [
      'Dockerfile and tag of different arches',
      { DOCKERFILE_PATH: 'Dockerfile.arm64v8', DOCKER_TAG: 'arm32v7' },
      /is the arm64v8 Dockerfile but DOCKER_TAG=arm32v7 is for arm32v7/,
    ],
    ['latest-<arch>, which is not the scheme', { DOCKER_TAG: 'latest-arm64v8' }, /is tagged arm64v8; use that tag/],
    ['an invalid tag', { DOCKER_TAG: 'a b-arm64v8' }, /is not a valid image tag/],
    [
      'a list tag that is an arch tag',
      { DOCKER_TAG: 'amd64-arm64v8' },
      /would publish its list as amd64, the tag of the amd64 image of latest/,
    ],
  ];
  it.each(cases)('%s', async (_name, env, message) => {
    const r = await withHookFunctions(build, 'detect_build; echo "no error"', cleanEnv(env));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toMatch(message);
  });
});

describe('parse_repo', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['acme/demo', {}, 'docker.io acme/demo https://index.docker.io/v1/ - docker.io/acme/demo'],
    ['index.docker.io/acme/demo', {}, 'docker.io acme/demo https://index.docker.io/v1/ - docker.io/acme/demo'],
    ['docker.io/acme/demo', {}, 'docker.io acme/demo https://index.docker.io/v1/ - docker.io/acme/demo'],
    ['busybox', {}, 'docker.io library/busybox https://index.docker.io/v1/ - docker.io/library/busybox'],
    ['127.0.0.1:5000/acme/demo', {}, '127.0.0.1:5000 acme/demo 127.0.0.1:5000 --insecure 127.0.0.1:5000/acme/demo'],
    ['127.8.9.10/a/b/c', {}, '127.8.9.10 a/b/c 127.8.9.10 --insecure 127.8.9.10/a/b/c'],
    ['localhost:5000/acme/demo', {}, 'localhost:5000 acme/demo localhost:5000 --insecure localhost:5000/acme/demo'],
    ['ghcr.io/acme/demo', {}, 'ghcr.io acme/demo ghcr.io - ghcr.io/acme/demo'],
    ['10.0.0.5:5000/acme/demo', {}, '10.0.0.5:5000 acme/demo 10.0.0.5:5000 - 10.0.0.5:5000/acme/demo'],
    [
      '10.0.0.5:5000/acme/demo',
      { MULTIARCH_INSECURE_REGISTRY: '1' },
      '10.0.0.5:5000 acme/demo 10.0.0.5:5000 --insecure 10.0.0.5:5000/acme/demo',
    ],
  ];
  it.each(cases)('%s %o', async (repo, env, want) => {
    const r = await withHookFunctions(
      postPush,
      'parse_repo; echo "$REG_HOST $REG_PATH $REG_KEY ${INSECURE[*]:--} $REPO_REF"',
      cleanEnv({ DOCKER_REPO: repo, ...env }),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(want);
  });

  it.each(['Acme/Demo', 'acme//demo', '', '[::1]:5000/acme/demo', 'a$(touch x):5/b'])('refuses DOCKER_REPO=%j', async (repo) => {
    const r = await withHookFunctions(postPush, 'parse_repo; echo ok', cleanEnv({ DOCKER_REPO: repo }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: DOCKER_REPO/);
  });
});

describe('retry settings and backoff', () => {
  it('doubles from MULTIARCH_RETRY_DELAY, stops at 60 s, and gives up after MULTIARCH_RETRIES', async () => {
    const script =
      'retry_settings; pause() { :; }; for n in 1 2 3 4 12; do backoff $n x && printf "%s " "$REPLY" ' +
      '|| printf "stop "; done; echo "$CMH_RETRIES"';
    const dflt = await withHookFunctions(postPush, script, cleanEnv({ MULTIARCH_RETRIES: '20' }));
    expect(dflt.stdout.trim()).toBe('1.000 2.000 4.000 8.000 60.000 20');
    expect(dflt.stderr).toContain('warn: x; retrying in 2.000s (2 of 20)');
    const small = await withHookFunctions(postPush, script, cleanEnv({ MULTIARCH_RETRY_DELAY: '0.05', MULTIARCH_RETRIES: '2' }));
    expect(small.stdout.trim()).toBe('0.050 0.100 stop stop stop 2');
  });

  it.each<Record<string, string>>([{ MULTIARCH_RETRIES: 'many' }, { MULTIARCH_RETRY_DELAY: '-1' }, { MULTIARCH_RETRY_DELAY: '1s' }])(
    'refuses %o',
    async (env) => {
      const r = await withHookFunctions(postPush, 'retry_settings; echo ok', cleanEnv(env));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: MULTIARCH_RETR/);
    },
  );
});

describe('write_spec: the manifest-tool spec', () => {
  it('is YAML naming each image by digest with the table platform', async () => {
    const digests = all.arches.map((_, i) => `sha256:${String(i).repeat(64).slice(0, 64)}`);
    const file = path.join(tmpDir('cmh-spec-'), 'spec.yaml');
    const script =
      `CMH_TMP=${path.dirname(file)} REPO_REF='127.0.0.1:5000/acme/demo' LIST='127.0.0.1:5000/acme/demo:1.2.3'; ` +
      `LIST_DIGESTS=(${digests.join(' ')}); LIST_PLATFORMS=("\${CMH_PLATFORMS[@]}"); write_spec`;
    const r = await withHookFunctions(withManifestTool, script, cleanEnv());
    expect(r.code, r.out).toBe(0);
    const spec = parseYaml(fs.readFileSync(file, 'utf8')) as {
      image: string;
      manifests: { image: string; platform: Record<string, string> }[];
    };
    expect(spec.image).toBe('127.0.0.1:5000/acme/demo:1.2.3');
    expect(spec.manifests.map((m) => m.image)).toEqual(digests.map((d) => `127.0.0.1:5000/acme/demo@${d}`));
    expect(spec.manifests.map((m) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'))).toEqual(
      all.arches.map((a) => [a.platform.os, a.platform.architecture, a.platform.variant].filter(Boolean).join('/')),
    );
  });
});
