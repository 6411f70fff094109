import { describe, expect, it } from 'vitest';
import { QEMU_IMAGE, arch, body, header, rewrite } from './helpers.js';

const STAGE = (name = 'qemu-user-static') =>
  `# Static QEMU copied into each emulated stage (create-multiarch-hooks --qemu copy).\nFROM ${QEMU_IMAGE} AS ${name}\n\n`;

describe.each([
  ['arm64v8', 'qemu-aarch64-static'],
  ['arm32v6', 'qemu-arm-static'],
])('--qemu copy for %s', (name, bin) => {
  const copy = (stage = 'qemu-user-static') => `COPY --from=${stage} /usr/bin/${bin} /usr/bin/${bin}\n`;

  it('adds the qemu stage before the first FROM and the copy after each emulated FROM', () => {
    const src =
      'FROM debian:bookworm-slim AS build\nRUN echo built > /built\n\nFROM myorg/runtime:1\nCOPY ' +
      '--from=build /built /built\nRUN uname -m\n';
    expect(body(src, name, 'copy')).toBe(
      STAGE() +
        `FROM ${name}/debian:bookworm-slim AS build\n${copy()}RUN echo built > /built\n\n` +
        `FROM --platform=${name === 'arm64v8' ? 'linux/arm64/v8' : 'linux/arm/v6'} ` +
        `myorg/runtime:1\n${copy()}COPY --from=build /built /built\nRUN uname -m\n`,
    );
  });

  it('puts the stage after the directives, the header and the global ARGs', () => {
    const src = '# syntax=docker/dockerfile:1\nARG V=3.20\nARG BASE=alpine:${V}\n# the app\nFROM ${BASE}\nRUN true\n';
    expect(rewrite(src, name, 'copy').content).toBe(
      `# syntax=docker/dockerfile:1\n${header(arch(name))}ARG V=3.20\nARG ` +
        `BASE=${name}/alpine:\${V}\n${STAGE()}# the app\nFROM \${BASE}\n${copy()}RUN true\n`,
    );
  });

  it('copies nothing into scratch, stage references or $BUILDPLATFORM stages, but does into $TARGETPLATFORM ones', () => {
    const src = [
      'FROM --platform=$BUILDPLATFORM golang:1.23 AS build',
      'FROM alpine:3.20 AS base',
      'FROM base AS final',
      'FROM --platform=$TARGETPLATFORM myorg/tools AS tools',
      'FROM scratch',
      '',
    ].join('\n');
    const out = body(src, name, 'copy');
    expect(out).toBe(
      STAGE() +
        `FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nFROM ${name}/alpine:3.20 AS base\n${copy()}FROM base AS final\n` +
        `FROM --platform=$TARGETPLATFORM myorg/tools AS tools\n${copy()}FROM scratch\n`,
    );
  });

  it('adds no stage when nothing runs emulated', () => {
    const src = 'FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nFROM scratch\nCOPY --from=build /app /app\n';
    expect(body(src, name, 'copy')).toBe(src);
  });

  it.each([
    ['a stage of that name', 'FROM alpine AS qemu-user-static\nFROM alpine\n', 'qemu-user-static-2'],
    ['a stage of that name in other case', 'FROM alpine AS QEMU-User-Static\nFROM alpine\n', 'qemu-user-static-2'],
    ['both names taken', 'FROM alpine AS qemu-user-static\nFROM alpine AS qemu-user-static-2\nFROM alpine\n', 'qemu-user-static-3'],
    ['an image of that name', 'FROM qemu-user-static\n', 'qemu-user-static-2'],
    ['a COPY --from of that name', 'FROM alpine\nCOPY --from=qemu-user-static /a /a\n', 'qemu-user-static-2'],
  ])('picks another stage name when the Dockerfile uses it: %s', (_what, src, stage) => {
    const out = body(src, name, 'copy');
    expect(out.startsWith(STAGE(stage))).toBe(true);
    expect(out).toContain(copy(stage));
    expect(out.split(`FROM ${QEMU_IMAGE}`)).toHaveLength(2);
  });

  it('renumbers stages referred to by index, since the added stage comes first', () => {
    const src = 'FROM alpine AS a\nFROM alpine\nCOPY --from=0 /a /a\nRUN --mount=type=bind,from=0,target=/m true\nCOPY --from=a /b /b\n';
    expect(body(src, name, 'copy')).toBe(
      STAGE() +
        `FROM ${name}/alpine AS a\n${copy()}FROM ${name}/alpine\n${copy()}COPY --from=1 /a /a\nRUN ` +
        `--mount=type=bind,from=1,target=/m true\nCOPY --from=a /b /b\n`,
    );
    // binfmt adds no stage, so the indexes stay.
    expect(body(src, name, 'binfmt')).toContain('COPY --from=0 /a /a\nRUN --mount=type=bind,from=0,target=/m true\n');
  });

  it('puts the copy after a FROM continued over lines, and on a new line when the file does not end with one', () => {
    expect(body('FROM \\\n  alpine \\\n  AS a\nRUN true\n', name, 'copy')).toBe(
      `${STAGE()}FROM \\\n  ${name}/alpine \\\n  AS a\n${copy()}RUN true\n`,
    );
    expect(body('FROM alpine', name, 'copy')).toBe(`${STAGE()}FROM ${name}/alpine\n${copy().trimEnd()}\n`);
  });

  it('binfmt adds nothing', () => {
    expect(body('FROM alpine\nRUN true\n', name, 'binfmt')).toBe(`FROM ${name}/alpine\nRUN true\n`);
  });
});

describe('--qemu copy for the native arch', () => {
  it('adds nothing: amd64 has no qemu binary in the table', () => {
    expect(body('FROM alpine\nRUN true\n', 'amd64', 'copy')).toBe('FROM amd64/alpine\nRUN true\n');
  });
});
