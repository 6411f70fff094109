/**
 * The registry module's pure parts, no network: references (one parser for the rewriter and the
 * client), loopback names, the default variants, escaping registry text, reading manifests.
 */
import { describe, expect, it } from 'vitest';
import { platformKey } from '../../src/arch.js';
import { UserError } from '../../src/errors.js';
import { MalformedError, parseImageConfig, parseManifest } from '../../src/registry/manifest.js';
import { printable, safeJson } from '../../src/registry/printable.js';
import { isLoopback, isLoopbackHost, parseImageRef, resolveImageRef } from '../../src/registry/reference.js';

describe('one reference parser', () => {
  it('gives the rewriter the parts as written and the client where to ask', () => {
    expect(parseImageRef('Registry.Example:5000/team/app:1.0')).toMatchObject({
      registry: 'Registry.Example:5000',
      path: 'team/app',
      pathStart: 22,
      tag: '1.0',
    });
    expect(resolveImageRef('Registry.Example:5000/team/app:1.0')).toEqual({
      registry: 'Registry.Example:5000',
      repository: 'team/app',
      tag: '1.0',
      digest: undefined,
    });
    // Docker Hub under any of its names is docker.io, official images are library/.
    for (const hub of ['alpine', 'docker.io/alpine', 'index.docker.io/library/alpine', 'registry-1.docker.io/alpine']) {
      expect(resolveImageRef(hub)).toEqual({ registry: 'docker.io', repository: 'library/alpine', tag: 'latest', digest: undefined });
    }
    expect(parseImageRef('alpine:3.20')).toMatchObject({ registry: null, path: 'alpine', tag: '3.20' });
  });

  it('refuses what is not a reference: null for the rewriter, a usage error for a command', () => {
    for (const bad of ['UPPER', 'a//b', 'a:b c', 'a@sha256:xyz', 'evil@host/x', '127.0.0.1:1@other.host/x']) {
      expect(parseImageRef(bad)).toBeNull();
      const e = (() => {
        try {
          resolveImageRef(bad);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).exitCode).toBe(2);
    }
  });
});

describe('loopback', () => {
  it('judges the host a URL really names, not its user part', () => {
    expect(isLoopbackHost(new URL('http://127.0.0.1:1@other.host/token').hostname)).toBe(false);
    expect(isLoopbackHost(new URL('http://localhost@127.0.0.1.evil.example/').hostname)).toBe(false);
    expect(isLoopbackHost(new URL('http://[::1]:5000/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://127.9.9.9/').hostname)).toBe(true);
    expect(isLoopback('127.0.0.1:1@other.host')).toBe(false);
    expect(isLoopback('127.0.0.1.nip.io:5000')).toBe(false);
  });
});

describe('default variants, decided once', () => {
  it('amd64 is amd64/v1, arm is arm/v7, arm64 is arm64/v8', () => {
    expect(platformKey({ os: 'linux', architecture: 'amd64' })).toBe(platformKey({ os: 'linux', architecture: 'amd64', variant: 'v1' }));
    expect(platformKey({ os: 'linux', architecture: 'amd64' })).not.toBe(
      platformKey({ os: 'linux', architecture: 'amd64', variant: 'v3' }),
    );
    expect(platformKey({ os: 'linux', architecture: 'arm' })).toBe('linux/arm/v7');
    expect(platformKey({ os: 'linux', architecture: 'arm64' })).toBe('linux/arm64/v8');
    expect(platformKey({ os: 'linux', architecture: '386' })).toBe('linux/386');
  });
});

describe('registry text on a terminal', () => {
  const hostile = 'a\u001b[2Jb\u0007c\rd\u009b31me\u202ef\u0000g';
  it('printable shows every control character as an escape', () => {
    expect(printable(hostile)).toBe('a\\u001b[2Jb\\u0007c\\u000dd\\u009b31me\\u202ef\\u0000g');
    expect(printable('linux/arm64/v8 ✓')).toBe('linux/arm64/v8 ✓');
  });

  it('safeJson is the same JSON value with nothing a terminal acts on', () => {
    const value = { s: hostile, list: [hostile, 1, null] };
    const text = safeJson(value);
    // eslint-disable-next-line no-control-regex -- asserts that no control character got through
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('manifests read defensively', () => {
  const bad = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedError);
      expect((e as UserError).exitCode).toBe(1);
      return (e as Error).message;
    }
    throw new Error('did not throw');
  };
  it('names what is wrong in one sentence', () => {
    expect(bad(() => parseManifest(Buffer.from('{"manifests":5}'), 'manifest for x:latest'))).toBe(
      'The registry served a malformed manifest for x:latest (manifests is not a list); the registry ' +
        'or the tool that pushed it is broken: push it again or report it to the registry.',
    );
    expect(bad(() => parseManifest(Buffer.from('not json'), 'm'))).toContain('(it is not JSON)');
    expect(bad(() => parseManifest(Buffer.from('{"manifests":[{"digest":"sha256:aa","size":-1}]}'), 'm'))).toContain(
      '(manifests[0].digest is not a digest)',
    );
    expect(bad(() => parseManifest(Buffer.from(`{"manifests":[{"digest":"sha256:${'a'.repeat(64)}","size":-1}]}`), 'm'))).toContain(
      '(manifests[0].size is not a size)',
    );
    expect(bad(() => parseImageConfig(Buffer.from('{"os":"linux","config":{"Labels":{"a":1}}}'), 'c'))).toContain(
      '(config.Labels.a is not a string)',
    );
    // A key is the registry's text too.
    expect(bad(() => parseImageConfig(Buffer.from('{"config":{"Labels":{"\\u001b[2J":1}}}'), 'c'))).toContain(
      '(config.Labels.\\u001b[2J is not a string)',
    );
  });

  it('keeps what a good one says', () => {
    const d = `sha256:${'b'.repeat(64)}`;
    expect(
      parseManifest(
        Buffer.from(
          JSON.stringify({
            mediaType: 'x',
            manifests: [{ digest: d, size: 3, platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, annotations: { k: 'v' } }],
          }),
        ),
        'm',
      ),
    ).toEqual({
      mediaType: 'x',
      manifests: [{ digest: d, size: 3, platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, annotations: { k: 'v' } }],
    });
    expect(parseImageConfig(Buffer.from('{"os":"linux","architecture":"amd64","config":{"Labels":null}}'), 'c')).toEqual({
      os: 'linux',
      architecture: 'amd64',
      variant: undefined,
      created: undefined,
      labels: {},
    });
  });
});
