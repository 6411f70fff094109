import { describe, expect, it } from 'vitest';
import { QEMU_IMAGE, body, errorOf, rewrite } from './helpers.js';

describe.each(['arm64v8', 'arm32v7'])('images in COPY --from and RUN --mount=from, for %s', (name) => {
  describe('official images become the arch twin, as in FROM', () => {
    it.each([
      ['busybox:1.36', `${name}/busybox:1.36`],
      ['busybox', `${name}/busybox`],
      ['library/busybox:1.36', `${name}/busybox:1.36`],
      ['docker.io/library/busybox:1.36', `docker.io/${name}/busybox:1.36`],
      ['index.docker.io/library/busybox', `${name}/busybox`],
      ['amd64/busybox:1.36', `${name}/busybox:1.36`],
    ])('COPY --from=%s -> %s', (from, to) => {
      const src = `FROM alpine:3.20\nCOPY --from=${from} /bin/busybox /bin/busybox\n`;
      const r = rewrite(src, name);
      expect(r.content.endsWith(`FROM ${name}/alpine:3.20\nCOPY --from=${to} /bin/busybox /bin/busybox\n`), r.content).toBe(true);
      expect(r.warnings).toEqual([]);
    });

    it('RUN --mount=from=, among other mount options', () => {
      expect(body('FROM debian:bookworm\nRUN --mount=type=bind,from=busybox:1.36,source=/bin,target=/b /b/busybox true\n', name)).toBe(
        `FROM ${name}/debian:bookworm\nRUN --mount=type=bind,from=${name}/busybox:1.36,source=/bin,target=/b /b/busybox true\n`,
      );
    });

    it('in a scratch stage, whose files are the pushed image', () => {
      expect(body('FROM scratch\nCOPY --from=busybox:1.36 /bin/busybox /busybox\n', name)).toBe(
        `FROM scratch\nCOPY --from=${name}/busybox:1.36 /bin/busybox /busybox\n`,
      );
    });

    it('in a stage built FROM a target-platform stage', () => {
      expect(body('FROM alpine AS base\nFROM base\nCOPY --from=busybox /bin/busybox /b\n', name)).toBe(
        `FROM ${name}/alpine AS base\nFROM base\nCOPY --from=${name}/busybox /bin/busybox /b\n`,
      );
    });

    it('together with --qemu copy, which renumbers stage indexes', () => {
      const out = body('FROM alpine AS a\nFROM alpine\nCOPY --from=0 /x /x\nCOPY --from=busybox /bin/busybox /b\n', name, 'copy');
      expect(out).toContain(`FROM ${QEMU_IMAGE} AS qemu-user-static\n`);
      expect(out).toContain('COPY --from=1 /x /x\n');
      expect(out).toContain(`COPY --from=${name}/busybox /bin/busybox /b\n`);
    });
  });

  describe('left as they are, without a warning', () => {
    it.each([
      ['a stage name, any case', 'FROM alpine AS Tools\nFROM alpine\nCOPY --from=tools /a /a\nRUN --mount=from=TOOLS,target=/t true\n'],
      ['a stage index', 'FROM alpine\nFROM alpine\nCOPY --from=0 /a /a\n'],
      ['scratch, which names no image', 'FROM alpine\nCOPY --from=scratch /a /a\n'],
      [
        'an image in a $BUILDPLATFORM stage (it runs natively)',
        'FROM --platform=$BUILDPLATFORM golang AS build\nCOPY --from=busybox /bin/busybox /b\nFROM alpine\nCOPY --from=build /b /b\n',
      ],
      [
        'an image in a stage built FROM a $BUILDPLATFORM stage',
        'FROM --platform=$BUILDPLATFORM golang AS build\nFROM build AS test\nRUN --mount=from=busybox,target=/b true\nFROM alpine\n',
      ],
    ])('%s', (_what, src) => {
      const r = rewrite(src, name);
      for (const line of src.split('\n').filter((l) => !l.startsWith('FROM'))) expect(r.content.split('\n')).toContain(line);
      expect(r.content).not.toMatch(new RegExp(`from=${name}/`, 'i'));
      expect(r.warnings).toEqual([]);
    });
  });

  describe('other images are kept as written, with a warning naming the line', () => {
    it.each([
      [
        'COPY',
        'FROM alpine\nCOPY --from=ghcr.io/acme/tools:1 /t /t\n',
        'Dockerfile line 2: COPY --from=ghcr.io/acme/tools:1 is not an official library image',
      ],
      [
        'RUN --mount',
        'FROM alpine\nRUN true\nRUN --mount=from=acme/tools,target=/t /t/run\n',
        'Dockerfile line 3: RUN --mount=from=acme/tools is not an official library image',
      ],
    ])('%s', (_what, src, start) => {
      const r = rewrite(src, name);
      expect(r.content.endsWith(src.replace('FROM alpine', `FROM ${name}/alpine`))).toBe(true);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0].startsWith(start), r.warnings[0]).toBe(true);
      expect(r.warnings[0]).toMatch(
        /classic builder \(DOCKER_BUILDKIT=0\) takes the builder's own arch of it; to get each arch's files, add a stage FROM \S+ AS <name> and use --from=<name>\.$/,
      );
    });

    it.each(['${TOOLS}', '"busybox"'])('a value it cannot read (--from=%s)', (value) => {
      const src = `ARG TOOLS=busybox\nFROM alpine\nCOPY --from=${value} /t /t\n`;
      const r = rewrite(src, name);
      expect(r.content.endsWith(`COPY --from=${value} /t /t\n`)).toBe(true);
      expect(r.warnings).toEqual([
        `Dockerfile line 3: COPY --from=${value} cannot be read as a stage name or an image by ` +
          `create-multiarch-hooks, so each arch's Dockerfile keeps it as written; write the stage name or ` +
          `image plainly if it should follow the arch.`,
      ]);
    });
  });

  it('refuses an official image pinned by digest, in one sentence naming the fix', () => {
    const m = errorOf(() => rewrite(`FROM alpine\nCOPY --from=busybox:1.36@sha256:${'e'.repeat(64)} /b /b\n`, name));
    expect(m).toMatch(
      /^Dockerfile line 2: COPY --from=busybox:1\.36@sha256:e+ is pinned by digest, which names a single image and so one architecture; drop the digest \(--from=busybox:1\.36\)/,
    );
    expect(m.split('. ').length, 'one sentence').toBe(1);
  });
});

it('gives the same warnings for every arch, so the generator shows each once', () => {
  const src = 'FROM alpine\nCOPY --from=ghcr.io/a/b /x /x\nCOPY --from=$X /y /y\n';
  const w = rewrite(src, 'arm64v8').warnings;
  expect(w).toHaveLength(2);
  expect(rewrite(src, 'riscv64').warnings).toEqual(w);
});
