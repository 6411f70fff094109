import { describe, expect, it } from 'vitest';
import { checkNativeDockerfile } from '../../src/dockerfile/index.js';
import { arch, body, errorOf } from './helpers.js';

// The user's own Dockerfile builds the amd64 tag unchanged, so it must not name another arch.
const check = (src: string) => checkNativeDockerfile(src, 'Dockerfile', arch('amd64'));

describe("the user's Dockerfile (the amd64 tag)", () => {
  describe('refuses another arch, in one sentence naming the fix', () => {
    it.each([
      [
        'an arch-prefixed official base',
        'FROM arm32v7/alpine:3.20\n',
        /^Dockerfile line 1: arm32v7\/alpine:3\.20 is the arm32v7 image, but Dockerfile itself builds the amd64 tag; use the plain official image alpine:3\.20, which each arch's Dockerfile turns into its own\.$/,
      ],
      [
        'with docker.io/',
        'FROM docker.io/arm64v8/debian:bookworm AS x\n',
        /^Dockerfile line 1: docker\.io\/arm64v8\/debian:bookworm is the arm64v8 image.*use the plain official image docker\.io\/debian:bookworm,/,
      ],
      [
        'in an ARG default',
        'ARG BASE=arm64v8/alpine\nFROM $BASE\n',
        /^Dockerfile line 2: arm64v8\/alpine is the arm64v8 image.*use the plain official image alpine,/,
      ],
      [
        'in an intermediate stage (its files go into the image)',
        'FROM i386/busybox AS tools\nFROM alpine\nCOPY --from=tools /bin/busybox /b\n',
        /^Dockerfile line 1: i386\/busybox is the i386 image/,
      ],
      [
        'a literal --platform of another arch',
        'FROM --platform=linux/arm64 alpine\n',
        /^Dockerfile line 1: --platform=linux\/arm64 makes this stage linux\/arm64, but Dockerfile itself builds the amd64 tag; drop the flag, since each arch's Dockerfile sets its own platform, or make it --platform=\$BUILDPLATFORM for a stage that should run natively\.$/,
      ],
      [
        'on a non-official base',
        'FROM --platform=linux/arm/v7 ghcr.io/acme/base:1\n',
        /^Dockerfile line 1: --platform=linux\/arm\/v7 makes this stage/,
      ],
      [
        'on scratch',
        'FROM alpine AS b\nFROM --platform=linux/arm64 scratch\n',
        /^Dockerfile line 2: --platform=linux\/arm64 makes this stage/,
      ],
      [
        'an arch-prefixed image in COPY --from',
        'FROM alpine\nCOPY --from=arm32v6/busybox:1.36 /bin/busybox /b\n',
        /^Dockerfile line 2: COPY --from=arm32v6\/busybox:1\.36 copies from the arm32v6 image, but Dockerfile itself builds the amd64 tag; use the plain official image busybox:1\.36,/,
      ],
      [
        'an arch-prefixed image in RUN --mount=from',
        'FROM alpine\nRUN --mount=from=arm64v8/busybox,target=/b true\n',
        /^Dockerfile line 2: RUN --mount=from=arm64v8\/busybox copies from the arm64v8 image/,
      ],
    ])('%s', (_what, src, message) => {
      const m = errorOf(() => check(src));
      expect(m).toMatch(message);
      expect(m.split('. ').length, 'one sentence').toBe(1);
    });
  });

  describe('accepts the amd64 image, however it is written', () => {
    it.each([
      'FROM alpine:3.20\n',
      'FROM library/alpine\n',
      'FROM docker.io/library/alpine\n',
      'FROM amd64/alpine:3.20\n',
      'FROM --platform=linux/amd64 alpine\n',
      'FROM --platform=amd64 myorg/base\n',
      'FROM --platform=linux/x86_64 myorg/base\n',
      'FROM --platform=linux/amd64/v2 myorg/base\n',
      'FROM --platform=$TARGETPLATFORM alpine\n',
      'FROM alpine\nCOPY --from=amd64/busybox /bin/busybox /b\n',
      'FROM myorg/tools AS t\nFROM alpine\nCOPY --from=t /x /x\nCOPY --from=ghcr.io/acme/arm64v8 /y /y\n',
    ])('%s', (src) => {
      expect(() => check(src)).not.toThrow();
    });

    it('does not check $BUILDPLATFORM stages, which run on the builder', () => {
      expect(() =>
        check(
          'FROM --platform=$BUILDPLATFORM arm64v8/golang AS build\nCOPY --from=arm32v7/busybox /b /b\nFROM ' +
            'build AS test\nFROM alpine\nCOPY --from=build /app /app\n',
        ),
      ).not.toThrow();
    });

    it('and each arch still gets its twin of amd64/alpine', () => {
      expect(body('FROM amd64/alpine:3.20\nCOPY --from=amd64/busybox /bin/busybox /b\n', 'arm64v8')).toBe(
        'FROM arm64v8/alpine:3.20\nCOPY --from=arm64v8/busybox /bin/busybox /b\n',
      );
    });
  });

  it('runs the same checks as the rewrite first', () => {
    expect(errorOf(() => check(`FROM alpine@sha256:${'a'.repeat(64)}\n`))).toMatch(/pinned by digest/);
    expect(errorOf(() => check('FROM --platform=$BUILDPLATFORM golang AS build\nFROM build\n'))).toMatch(
      /the last stage is the image each arch pushes/,
    );
  });
});
