/**
 * What `verify` refuses before touching a network (usage errors, exit code 2), how it reads image
 * references and challenges, and how it finds a Docker Hub login (no Docker Hub needed for that).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { runCli } from '../cli/run-cli.js';
import { parseChallenge } from '../../src/registry/client.js';
import { lookupCredentials } from '../../src/registry/credentials.js';
import { formatImageRef, isLoopback, resolveImageRef as parseImageRef } from '../../src/registry/reference.js';
import { cleanupTemps, tmpDir } from '../support/env.js';
import { basicAuth, dockerConfigDir, FAKE_HELPER, installFakeHelper } from './support/fake-credential-helper.js';
import { plainEnv, runVerify } from './support/run-verify.js';

afterAll(() => cleanupTemps());

async function usageError(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  expect((e as UserError).exitCode).toBe(2);
  return e as UserError;
}

describe('usage errors (exit code 2)', () => {
  it('needs an image when the dir has no multi-arch-manifest.yaml', async () => {
    const dir = tmpDir();
    const e = await usageError(runVerify({ dir }));
    expect(e.message).toBe(`No image given and no multi-arch-manifest.yaml in ${dir}; pass the image (IMAGE[:TAG]) or --dir.`);
  });

  it('needs an image when the yaml names none, and valid YAML', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'multi-arch-manifest.yaml'), 'manifests: []\n');
    expect((await usageError(runVerify({ dir }))).message).toContain('names no image; pass the image to verify.');
    fs.writeFileSync(path.join(dir, 'multi-arch-manifest.yaml'), 'image: [unclosed\n');
    expect((await usageError(runVerify({ dir }))).message).toContain('multi-arch-manifest.yaml is not valid YAML');
  });

  it('rejects an arch that is not in the table, naming the valid ones', async () => {
    const e = await usageError(runVerify({ image: '127.0.0.1:1/x/y', arches: ['amd64', 'sparc'] }));
    expect(e.message).toBe(
      'Unknown arch "sparc"; choose from amd64, arm32v5, arm32v6, arm32v7, arm64v8, i386, ppc64le, s390x, riscv64, mips64le.',
    );
  });

  it('the built CLI exits 2 for an unknown --arch too, with the one sentence', () => {
    const r = runCli(tmpDir(), ['verify', '127.0.0.1:1/x/y', '--arch', 'sparc']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: .*"sparc".*; choose from amd64, /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a malformed image reference', async () => {
    for (const bad of ['Acme/Demo', 'acme/demo:bad tag', 'acme//demo', 'acme/demo@sha256:xyz']) {
      expect((await usageError(runVerify({ image: bad }))).message).toContain(`"${bad}" is not an image reference`);
    }
  });
});

describe('image references', () => {
  it('reads them as Docker does', () => {
    expect(parseImageRef('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine', tag: 'latest', digest: undefined });
    expect(parseImageRef('index.docker.io/acme/demo:1.0')).toEqual({
      registry: 'docker.io',
      repository: 'acme/demo',
      tag: '1.0',
      digest: undefined,
    });
    expect(parseImageRef('localhost:5000/demo')).toMatchObject({ registry: 'localhost:5000', repository: 'demo', tag: 'latest' });
    expect(parseImageRef('ghcr.io/org/team/app:v2')).toMatchObject({ registry: 'ghcr.io', repository: 'org/team/app', tag: 'v2' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`127.0.0.1:5000/a/b@${d}`)).toEqual({ registry: '127.0.0.1:5000', repository: 'a/b', tag: undefined, digest: d });
    expect(formatImageRef(parseImageRef('docker.io/library/alpine'))).toBe('alpine:latest');
    expect(formatImageRef(parseImageRef('127.0.0.1:5000/a/b:c'))).toBe('127.0.0.1:5000/a/b:c');
  });

  it('treats loopback registries as insecure, like Docker', () => {
    expect(['127.0.0.1:5000', '127.1.2.3', 'localhost:80', '[::1]:5000'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['192.0.2.2:5000', 'registry.example:443', 'docker.io'].map(isLoopback)).toEqual([false, false, false]);
  });

  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
    });
    expect(parseChallenge('Basic realm="cmh-test"')).toEqual({ scheme: 'basic', params: { realm: 'cmh-test' } });
  });
});

describe('Docker Hub logins', () => {
  it('are read from the auths key docker login writes', async () => {
    const dir = dockerConfigDir({ auths: { 'https://index.docker.io/v1/': { auth: basicAuth('hubuser', 'pw:with:colons') } } });
    expect(await lookupCredentials('docker.io', plainEnv({ DOCKER_CONFIG: dir }))).toEqual({
      username: 'hubuser',
      password: 'pw:with:colons',
      source: path.join(dir, 'config.json'),
    });
    expect(await lookupCredentials('ghcr.io', plainEnv({ DOCKER_CONFIG: dir }))).toBeUndefined();
  });

  it('are asked of the helper under https://index.docker.io/v1/, identity tokens included', async () => {
    const helper = installFakeHelper({ 'https://index.docker.io/v1/': { user: '<token>', password: 'refresh-token-value' } });
    const dir = dockerConfigDir({ credsStore: FAKE_HELPER });
    const env = plainEnv({ DOCKER_CONFIG: dir, PATH: `${helper.binDir}:${process.env.PATH}` });
    expect(await lookupCredentials('docker.io', env)).toEqual({
      identityToken: 'refresh-token-value',
      source: `docker-credential-${FAKE_HELPER}`,
    });
    expect(helper.asked()).toEqual(['https://index.docker.io/v1/']);
    // Nothing stored for another registry: the helper says so and there is no login.
    expect(await lookupCredentials('quay.io', env)).toBeUndefined();
  });

  it('fall back to ~/.docker/config.json when DOCKER_CONFIG is not set', async () => {
    const home = tmpDir();
    fs.mkdirSync(path.join(home, '.docker'));
    fs.writeFileSync(path.join(home, '.docker/config.json'), JSON.stringify({ auths: { 'docker.io': { username: 'u', password: 'p' } } }));
    expect(await lookupCredentials('docker.io', plainEnv({ DOCKER_CONFIG: undefined, HOME: home }))).toEqual({
      username: 'u',
      password: 'p',
      source: path.join(home, '.docker/config.json'),
    });
  });
});
