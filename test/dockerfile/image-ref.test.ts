import { DockerfileParser, type From } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { classify, officialTwin, parseImageRef } from '../../src/dockerfile/image-ref.js';
import { arch } from './helpers.js';

const DIGEST = 'sha256:' + 'e'.repeat(64);

describe('parseImageRef', () => {
  it.each([
    ['alpine', null, 'alpine', null, null],
    ['alpine:3.20', null, 'alpine', '3.20', null],
    ['library/alpine:3.20', null, 'library/alpine', '3.20', null],
    ['docker.io/library/alpine', 'docker.io', 'library/alpine', null, null],
    ['127.0.0.1:5000/acme/base:1', '127.0.0.1:5000', 'acme/base', '1', null],
    ['localhost/x', 'localhost', 'x', null, null],
    ['localhost:5000/x:y', 'localhost:5000', 'x', 'y', null],
    [`alpine:3.20@${DIGEST}`, null, 'alpine', '3.20', DIGEST],
    [`ghcr.io/a/b@${DIGEST}`, 'ghcr.io', 'a/b', null, DIGEST],
    ['[::1]:5000/a', '[::1]:5000', 'a', null, null],
  ])('%s', (text, registry, path, tag, digest) => {
    expect(parseImageRef(text)).toMatchObject({ registry, path, tag, digest });
  });

  it.each(['Alpine', 'alpine:', 'alpine@sha256:short', '', 'a//b', 'alpine:-x', 'UPPER.io/a/B'])('%s is invalid', (text) => {
    expect(parseImageRef(text)).toBeNull();
  });

  it.each(['docker.io/library/alpine:3.20', 'alpine:3.20', 'ghcr.io/acme/base:2.1', '127.0.0.1:5000/acme/base:1', `alpine:3.20@${DIGEST}`])(
    'agrees with dockerfile-ast on literal %s',
    (text) => {
      const from = DockerfileParser.parse(`FROM ${text}\n`).getFROMs()[0] as From;
      const ref = parseImageRef(text)!;
      expect(ref.tag).toBe(from.getImageTag());
      expect(ref.digest).toBe(from.getImageDigest());
      expect(ref.registry).toBe(from.getRegistry());
      expect(ref.path).toBe(from.getImageName());
    },
  );
});

describe('classify', () => {
  it.each([
    ['alpine', 'official'],
    ['library/alpine', 'official'],
    ['index.docker.io/library/alpine', 'official'],
    ['arm32v7/alpine', 'official'],
    ['myorg/base', 'other'],
    ['docker.io/myorg/base', 'other'],
    ['ghcr.io/alpine', 'other'],
    ['quay.io/library/alpine', 'other'],
    ['a/b/c', 'other'],
    ['winamd64/alpine', 'unmappable'],
    ['mcr.microsoft.com/windows/nanoserver:ltsc2022', 'unmappable'],
    ['mcr.microsoft.com/windows', 'unmappable'],
    ['mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022', 'unmappable'],
    ['mcr.microsoft.com/dotnet/sdk:8.0', 'other'],
    ['python:3.12-windowsservercore', 'unmappable'],
  ])('%s is %s', (text, kind) => {
    expect(classify(parseImageRef(text)!).kind).toBe(kind);
  });
});

describe('officialTwin', () => {
  it.each([
    ['alpine', 'arm32v6', 'arm32v6/alpine'],
    ['docker.io/alpine:1', 'arm32v6', 'docker.io/arm32v6/alpine:1'],
    ['index.docker.io/arm64v8/alpine:1', 'arm32v6', 'arm32v6/alpine:1'],
    ['arm64v8/alpine', 'arm64v8', 'arm64v8/alpine'],
    ['library/alpine:edge', 's390x', 's390x/alpine:edge'],
  ])('%s for %s is %s', (text, a, twin) => {
    expect(officialTwin(parseImageRef(text)!, arch(a)).text).toBe(twin);
  });

  it('makes no edit when the image already carries the target prefix', () => {
    expect(officialTwin(parseImageRef('arm64v8/alpine')!, arch('arm64v8')).edits).toEqual([]);
  });
});
