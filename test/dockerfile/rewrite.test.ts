import { DockerfileParser, type From } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { ARCHES, platformString } from '../../src/arch.js';
import { arch, body, errorOf, header, rewrite } from './helpers.js';

describe('literal expectations', () => {
  it('maps an official image to the arm64v8 twin and a non-official one to --platform=linux/arm/v6', () => {
    expect(body('FROM alpine:3.20\n', 'arm64v8')).toBe('FROM arm64v8/alpine:3.20\n');
    expect(body('FROM myorg/base:1\n', 'arm32v6')).toBe('FROM --platform=linux/arm/v6 myorg/base:1\n');
  });
});

describe.each(['arm64v8', 'arm32v6'])('target %s', (name) => {
  const a = arch(name);
  const plat = platformString(a.platform);

  describe('official library images become the prefixed twin', () => {
    it.each([
      ['alpine:3.20', `${name}/alpine:3.20`],
      ['alpine', `${name}/alpine`],
      ['library/alpine:3.20', `${name}/alpine:3.20`],
      ['docker.io/library/alpine:3.20', `docker.io/${name}/alpine:3.20`],
      ['docker.io/alpine', `docker.io/${name}/alpine`],
      ['index.docker.io/library/alpine:3.20', `${name}/alpine:3.20`],
      ['index.docker.io/library/alpine', `${name}/alpine`],
      ['amd64/alpine:3.20', `${name}/alpine:3.20`],
      ['arm32v7/debian:bookworm-slim', `${name}/debian:bookworm-slim`],
      ['docker.io/i386/alpine', `docker.io/${name}/alpine`],
      [`${name}/alpine:edge`, `${name}/alpine:edge`],
    ])('%s -> %s', (from, to) => {
      const r = rewrite(`FROM ${from} AS app\nRUN true\n`, name);
      expect(r.content).toBe(`${header(a)}FROM ${to} AS app\nRUN true\n`);
      expect(r.warnings).toEqual([]);
    });

    it('agrees with dockerfile-ast on the rewritten image name and tag', () => {
      const out = body('FROM docker.io/library/node:20-alpine\n', name);
      const from = DockerfileParser.parse(out).getFROMs()[0] as From;
      expect(from.getImageName()).toBe(`${name}/node`);
      expect(from.getImageTag()).toBe('20-alpine');
      expect(from.getRegistry()).toBe('docker.io');
    });
  });

  describe('other images get --platform and a warning', () => {
    it.each([
      'myorg/base:1',
      'ghcr.io/x/y',
      '127.0.0.1:5000/acme/base',
      'localhost/tools:2',
      'docker.io/myorg/base',
      'mcr.microsoft.com/dotnet/runtime:8.0',
    ])('%s', (img) => {
      const r = rewrite(`FROM ${img}\nRUN true\n`, name);
      expect(r.content).toBe(`${header(a)}FROM --platform=${plat} ${img}\nRUN true\n`);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(
        new RegExp(`^Dockerfile line 1: ${img.replace(/[.]/g, '\\.')} is not an official library image.*must publish every platform`),
      );
    });

    it('replaces a literal --platform value and says so', () => {
      const r = rewrite('FROM --platform=linux/amd64 myorg/base:1 AS b\n', name);
      expect(r.content).toBe(`${header(a)}FROM --platform=${plat} myorg/base:1 AS b\n`);
      expect(r.warnings.some((w) => w.includes('--platform=linux/amd64 is replaced') && w.includes('$BUILDPLATFORM'))).toBe(true);
    });

    it('replaces a literal --platform on scratch too (it sets the image platform), and says so', () => {
      const r = rewrite('FROM --platform=linux/amd64 scratch\nCOPY app /\n', name);
      expect(r.content).toBe(`${header(a)}FROM --platform=${plat} scratch\nCOPY app /\n`);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain('--platform=linux/amd64 is replaced');
    });

    it.each(['$TARGETPLATFORM', '${TARGETPLATFORM}'])('leaves --platform=%s as it is (it follows the build)', (flag) => {
      const src = `FROM --platform=${flag} myorg/base:1\nRUN true\n`;
      const r = rewrite(src, name);
      expect(r.content).toBe(header(a) + src);
      expect(r.warnings).toHaveLength(1);
    });

    it('puts --platform after other flags and keeps them', () => {
      expect(body('FROM --foo=bar myorg/base:1\n', name)).toBe(`FROM --foo=bar --platform=${plat} myorg/base:1\n`);
    });
  });

  describe('an official image with a --platform flag', () => {
    it('gets the twin and the arch platform for a literal flag', () => {
      const r = rewrite('FROM --platform=linux/amd64 alpine:3.20\n', name);
      expect(r.content).toBe(`${header(a)}FROM --platform=${plat} ${name}/alpine:3.20\n`);
      expect(r.warnings).toHaveLength(1);
    });
    it('gets the twin and keeps $TARGETPLATFORM', () => {
      expect(body('FROM --platform=$TARGETPLATFORM alpine:3.20\n', name)).toBe(`FROM --platform=$TARGETPLATFORM ${name}/alpine:3.20\n`);
    });
  });

  describe('left alone', () => {
    it.each([
      [
        'scratch',
        'FROM busybox:1.36 AS tools\nFROM scratch\nCOPY --from=tools /bin/busybox /busybox\n',
        `FROM ${name}/busybox:1.36 AS tools\nFROM scratch\nCOPY --from=tools /bin/busybox /busybox\n`,
      ],
      [
        'a stage reference, any case',
        'FROM alpine AS Build\nRUN make\nFROM build\nFROM BUILD AS again\n',
        `FROM ${name}/alpine AS Build\nRUN make\nFROM build\nFROM BUILD AS again\n`,
      ],
      [
        '$BUILDPLATFORM stages',
        'FROM --platform=$BUILDPLATFORM golang:1.23 AS b\nFROM --platform=${BUILDPLATFORM} myorg/x AS c\nFROM alpine\n',
        `FROM --platform=$BUILDPLATFORM golang:1.23 AS b\nFROM --platform=\${BUILDPLATFORM} myorg/x AS c\nFROM ${name}/alpine\n`,
      ],
      [
        'a $BUILDPLATFORM stage with a digest (it runs natively)',
        `FROM --platform=$BUILDPLATFORM golang@sha256:${'a'.repeat(64)} AS b\nFROM scratch\n`,
        `FROM --platform=$BUILDPLATFORM golang@sha256:${'a'.repeat(64)} AS b\nFROM scratch\n`,
      ],
    ])('%s', (_what, src, out) => {
      expect(body(src, name)).toBe(out);
    });

    it('treats a name defined only LATER as an image, like Docker', () => {
      expect(body('FROM build\nFROM alpine AS build\n', name)).toBe(`FROM ${name}/build\nFROM ${name}/alpine AS build\n`);
    });

    it('takes a stage name that comes from an ARG as a stage reference', () => {
      expect(body('ARG FROM_STAGE=base\nFROM alpine AS base\nFROM ${FROM_STAGE}\n', name)).toBe(
        `ARG FROM_STAGE=base\nFROM ${name}/alpine AS base\nFROM \${FROM_STAGE}\n`,
      );
    });
  });

  describe('ARG-defined bases are rewritten where the default is defined', () => {
    it.each([
      ['$BASE', 'ARG BASE=alpine:3.20\nFROM $BASE\n', `ARG BASE=${name}/alpine:3.20\nFROM $BASE\n`],
      ['${BASE}', 'ARG BASE=alpine:3.20\nFROM ${BASE} AS x\n', `ARG BASE=${name}/alpine:3.20\nFROM \${BASE} AS x\n`],
      ['nested defaults', 'ARG V=3.20\nARG BASE=alpine:${V}\nFROM ${BASE}\n', `ARG V=3.20\nARG BASE=${name}/alpine:\${V}\nFROM \${BASE}\n`],
      [
        'three levels',
        'ARG IMG=node\nARG TAG=20\nARG BASE=${IMG}:${TAG}-alpine\nFROM ${BASE}\n',
        `ARG IMG=${name}/node\nARG TAG=20\nARG BASE=\${IMG}:\${TAG}-alpine\nFROM \${BASE}\n`,
      ],
      ['a tag ARG in the FROM', 'ARG TAG=3.20\nFROM alpine:${TAG}\n', `ARG TAG=3.20\nFROM ${name}/alpine:\${TAG}\n`],
      [
        'quoted defaults',
        'ARG BASE="docker.io/library/alpine:3.20"\nFROM ${BASE}\n',
        `ARG BASE="docker.io/${name}/alpine:3.20"\nFROM \${BASE}\n`,
      ],
      ['several ARGs on one line', 'ARG A=1 BASE=debian:bookworm\nFROM $BASE\n', `ARG A=1 BASE=${name}/debian:bookworm\nFROM $BASE\n`],
      ['${VAR:-default} with the ARG unset', 'ARG BASE\nFROM ${BASE:-alpine:3.20}\n', `ARG BASE\nFROM \${BASE:-${name}/alpine:3.20}\n`],
      ['${VAR:-default} with the ARG set', 'ARG BASE=debian\nFROM ${BASE:-alpine}\n', `ARG BASE=${name}/debian\nFROM \${BASE:-alpine}\n`],
      ['${VAR:+alt}', 'ARG SLIM=1\nFROM ${SLIM:+debian:bookworm-slim}\n', `ARG SLIM=1\nFROM \${SLIM:+${name}/debian:bookworm-slim}\n`],
      [
        'an empty ARCH prefix ARG (the old multi-arch pattern)',
        'ARG ARCH=\nFROM ${ARCH}debian:bookworm\n',
        `ARG ARCH=\nFROM \${ARCH}${name}/debian:bookworm\n`,
      ],
      [
        'the library namespace in its own ARG',
        'ARG NS=library\nFROM docker.io/${NS}/alpine\n',
        `ARG NS=${name}\nFROM docker.io/\${NS}/alpine\n`,
      ],
      [
        'a later re-declaration wins',
        'ARG BASE=busybox\nARG BASE=alpine\nFROM $BASE\n',
        `ARG BASE=busybox\nARG BASE=${name}/alpine\nFROM $BASE\n`,
      ],
      [
        'one ARG shared by two FROMs',
        'ARG BASE=alpine:3.20\nFROM $BASE AS a\nFROM ${BASE}\n',
        `ARG BASE=${name}/alpine:3.20\nFROM $BASE AS a\nFROM \${BASE}\n`,
      ],
    ])('%s', (_what, src, out) => {
      expect(body(src, name)).toBe(out);
    });

    it('adds --platform to the FROM line for a non-official ARG base, leaving the ARG', () => {
      expect(body('ARG BASE=ghcr.io/acme/base:2\nFROM ${BASE}\n', name)).toBe(
        `ARG BASE=ghcr.io/acme/base:2\nFROM --platform=${plat} \${BASE}\n`,
      );
    });

    it('warns when a stage imports a rewritten ARG (ARG NAME inside the stage)', () => {
      const r = rewrite('ARG BASE=debian:bookworm-slim\nFROM ${BASE}\nARG BASE\nRUN echo "$BASE" > /base\n', name);
      expect(r.content).toContain(`ARG BASE=${name}/debian:bookworm-slim\n`);
      expect(r.warnings).toEqual([
        "Dockerfile line 3: ARG BASE is also used inside its stage, where it now holds each arch's " +
          'rewritten base image instead of debian:bookworm-slim.',
      ]);
    });

    it('does not warn for a stage ARG with its own default, which does not import the global value', () => {
      expect(rewrite('ARG BASE=alpine\nFROM $BASE\nARG BASE=other\n', name).warnings).toEqual([]);
    });
  });

  describe('errors: one sentence naming file, line and fix', () => {
    it.each([
      [
        'an ARG without default (empty, as in Docker)',
        'ARG BASE\nFROM ${BASE}\n',
        /^Dockerfile line 2: the base image \$\{BASE\} expands to nothing, since its ARG has no default or an empty one; give it a default\.$/,
      ],
      [
        'a nested ARG without default (empty, as in Docker)',
        'ARG V\nARG BASE=alpine:${V}\nFROM $BASE\n',
        /^Dockerfile line 3: alpine: is not a valid image reference; fix the FROM\.$/,
      ],
      [
        'an undeclared ARG',
        'FROM ${BASE}\n',
        /^Dockerfile line 1: the base image \$\{BASE\} uses BASE, which no ARG before the first FROM declares; declare it there with a default/,
      ],
      [
        'an ARG declared only inside a stage',
        'FROM alpine\nARG BASE=alpine\nFROM $BASE\n',
        /^Dockerfile line 3: .*uses BASE, which no ARG before the first FROM declares/,
      ],
      [
        'an unsupported substitution',
        'ARG BASE=alpine:3.20\nFROM ${BASE%:*}\n',
        /^Dockerfile line 2: the base image \$\{BASE%:\*\} uses \$\{BASE%:\*\}, which create-multiarch-hooks cannot resolve; use \$VAR/,
      ],
      [
        'a platform-dependent name',
        'FROM alpine:${TARGETARCH}\n',
        /^Dockerfile line 1: .*depends on TARGETARCH, the build's platform; write the image name itself/,
      ],
      [
        'a digest pin',
        `FROM alpine@sha256:${'b'.repeat(64)}\n`,
        /^Dockerfile line 1: alpine@sha256:b+ is pinned by digest, which names a single image and so one architecture; drop the digest \(FROM alpine\)/,
      ],
      [
        'a digest pin with a tag (the digest wins in Docker)',
        `RUN_NOTHING=\nFROM alpine:3.20@sha256:${'b'.repeat(64)}\n`.replace('RUN_NOTHING=\n', '# pinned\n'),
        /^Dockerfile line 2: .*pinned by digest.*drop the digest \(FROM alpine:3\.20\)/,
      ],
      [
        'a digest pin on a non-official image',
        `FROM ghcr.io/a/b:1@sha256:${'c'.repeat(64)}\n`,
        /^Dockerfile line 1: .*pinned by digest.*drop the digest \(FROM ghcr\.io\/a\/b:1\) so each arch's Dockerfile can select its platform\.$/,
      ],
      [
        'a digest pin in an ARG default',
        `ARG BASE=alpine@sha256:${'d'.repeat(64)}\nFROM $BASE\n`,
        /^Dockerfile line 2: .*pinned by digest/,
      ],
      [
        'a Windows image',
        'FROM mcr.microsoft.com/windows/servercore:ltsc2022\n',
        /^Dockerfile line 1: mcr\.microsoft\.com\/windows\/servercore:ltsc2022 is a Windows image, so it has no image for the other architectures; use a Linux base image\.$/,
      ],
      ['a Windows tag of an official image', 'FROM golang:1.23-windowsservercore-ltsc2022\n', /is a Windows image/],
      [
        'an arch prefix not in the table',
        'FROM winamd64/alpine\n',
        /^Dockerfile line 1: winamd64\/alpine carries the arch prefix winamd64\/, which create-multiarch-hooks has no arch for/,
      ],
      ['an invalid reference', 'FROM Alpine:3.20\n', /^Dockerfile line 1: Alpine:3\.20 is not a valid image reference; fix the FROM\.$/],
      ['an image that expands to nothing', 'ARG BASE=\nFROM $BASE\n', /^Dockerfile line 2: the base image \$BASE expands to nothing/],
      [
        'a --platform with another variable',
        'ARG P=linux/amd64\nFROM --platform=$P alpine\n',
        /^Dockerfile line 2: --platform=\$P uses a variable .*write the platform literally/,
      ],
      [
        'two --platform flags',
        'FROM --platform=linux/amd64 --platform=linux/arm64 alpine\n',
        /^Dockerfile line 1: FROM has more than one --platform flag; keep one\.$/,
      ],
      [
        'a registry to drop spread over two places',
        'ARG REG=index.docker.io\nFROM ${REG}/library/alpine\n',
        /^Dockerfile line 2: the image name of index\.docker\.io\/library\/alpine is put together from several pieces, which create-multiarch-hooks cannot rewrite; write the registry and image name in one place/,
      ],
      [
        'an ARG shared with a $BUILDPLATFORM stage',
        'ARG GO=golang:1.23\nFROM --platform=$BUILDPLATFORM ${GO} AS build\nFROM ${GO}\n',
        /^Dockerfile line 2: the rewrite of ARG GO \(line 1\) for another FROM would make this base .*golang:1\.23; give each FROM its own ARG\.$/,
      ],
      [
        'an ARG shared with a differently written FROM',
        'ARG IMG=alpine\nFROM ${IMG}\nFROM docker.io/library/${IMG} AS b\n',
        /^Dockerfile line 3: the rewrite of ARG IMG \(line 1\) for another FROM would make this base docker\.io\/\w+\/\w+\/alpine; give each FROM its own ARG\.$/,
      ],
    ])('%s', (_what, src, message) => {
      const m = errorOf(() => rewrite(src, name));
      expect(m).toMatch(message);
      expect(m.split('. ').length, 'one sentence').toBe(1);
    });
  });
});

describe('the last stage (the pushed image) must run on the target platform', () => {
  const GO = 'FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build -o /app .\n';

  it.each([
    [
      'FROM a $BUILDPLATFORM stage',
      `${GO}FROM build\n`,
      3,
      /but it is built FROM build, a stage that runs on the build platform \(--platform=\$BUILDPLATFORM, line 1\), so every arch's tag would hold the builder's arch; make the last stage FROM a base of the target platform \(such as alpine or scratch\) and COPY --from=build what it needs\.$/,
    ],
    [
      'through a chain of stage references',
      `${GO}FROM build AS test\nRUN go test\nFROM Test\n`,
      5,
      /built FROM test, which comes from build, a stage that runs on the build platform \(--platform=\$BUILDPLATFORM, line 1\).*COPY --from=test what it needs\.$/,
    ],
    [
      'a stage reference written in an ARG',
      `ARG STAGE=build\n${GO}FROM \${STAGE} AS app\n`,
      4,
      /built FROM build, a stage that runs on the build platform \(--platform=\$BUILDPLATFORM, line 2\)/,
    ],
    [
      'a ${BUILDPLATFORM} stage',
      'FROM --platform=${BUILDPLATFORM} myorg/sdk AS sdk\nFROM sdk\n',
      2,
      /\(--platform=\$\{BUILDPLATFORM\}, line 1\)/,
    ],
    [
      'the last stage itself on $BUILDPLATFORM',
      'FROM alpine AS base\nFROM --platform=$BUILDPLATFORM alpine:3.20\n',
      2,
      /the last stage is the image each arch pushes, but --platform=\$BUILDPLATFORM makes it the builder's arch in every tag; drop the flag from the last stage/,
    ],
    [
      'a $BUILDPLATFORM flag on a last stage that refers to a stage',
      'FROM alpine AS base\nFROM --platform=$BUILDPLATFORM base\n',
      2,
      /--platform=\$BUILDPLATFORM makes it the builder's arch in every tag/,
    ],
  ])('%s is refused, in one sentence naming the fix', (_what, src, line, message) => {
    for (const name of ['arm64v8', 'arm32v7']) {
      const m = errorOf(() => rewrite(src, name));
      expect(m.startsWith(`Dockerfile line ${line}: the last stage is the image each arch pushes`), m).toBe(true);
      expect(m).toMatch(message);
      expect(m.split('. ').length, 'one sentence').toBe(1);
    }
  });

  it('lets earlier stages build FROM a $BUILDPLATFORM stage (they are intermediate)', () => {
    const src = `${GO}FROM build AS test\nRUN go test ./...\nFROM alpine:3.20\nCOPY --from=build /app /app\n`;
    expect(body(src, 'arm64v8')).toBe(src.replace('FROM alpine:3.20', 'FROM arm64v8/alpine:3.20'));
  });

  it('lets the last stage build FROM a target-platform stage that copied from a $BUILDPLATFORM one', () => {
    const src = `${GO}FROM alpine:3.20 AS runtime\nCOPY --from=build /app /app\nFROM runtime\n`;
    expect(body(src, 'arm64v8')).toBe(src.replace('FROM alpine:3.20', 'FROM arm64v8/alpine:3.20'));
  });
});

describe('parse errors', () => {
  it.each([
    [
      'no FROM',
      'ARG A=1\n# just a comment\n',
      /^Dockerfile has no FROM instruction; a Dockerfile needs at least one \(e\.g\. FROM alpine:3\.20\)\.$/,
    ],
    ['an empty file', '', /^Dockerfile has no FROM instruction/],
    [
      'FROM without an image',
      'FROM\n',
      /^Dockerfile line 1: FROM must read FROM \[--platform=\.\.\.\] image \[AS name\]; fix the instruction\.$/,
    ],
    ['FROM with stray words', 'FROM alpine AS\n', /^Dockerfile line 1: FROM must read/],
    ['FROM with two images', 'FROM alpine debian\n', /^Dockerfile line 1: FROM must read/],
    [
      'an unknown instruction',
      'FROM alpine\nRUNN true\n',
      /^Dockerfile line 2: unknown instruction RUNN, which docker build rejects too; fix or remove it\.$/,
    ],
    [
      'an instruction before FROM',
      'ARG A=1\nRUN true\nFROM alpine\n',
      /^Dockerfile line 2: RUN comes before the first FROM, where only ARG is allowed; move it below a FROM\.$/,
    ],
    [
      'a duplicate stage name',
      'FROM alpine AS a\nFROM debian AS A\n',
      /^Dockerfile line 2: the stage name A is used twice; give each stage its own name\.$/,
    ],
    [
      'an escape directive after a comment',
      '# foo=bar\n# escape=`\nFROM alpine\n',
      /^Dockerfile line 2: Docker ignores this escape directive because a comment or other line comes before it; move it to the top of the file\.$/,
    ],
  ])('%s', (_what, src, message) => {
    expect(errorOf(() => rewrite(src, 'arm64v8'))).toMatch(message);
  });
});

describe('round trips: everything but the bases survives byte for byte', () => {
  const a = arch('arm64v8');

  it('comments, blank lines, continuations and JSON forms', () => {
    const src = [
      '# build the app',
      'FROM   node:20-alpine   AS   build   ',
      '',
      '# deps',
      'RUN apk add --no-cache \\',
      '      git \\',
      '   # a comment inside a continuation',
      '      make',
      'CMD ["node", "app.js"]',
      '',
    ].join('\n');
    expect(rewrite(src, 'arm64v8').content).toBe(header(a) + src.replace('node:20-alpine', 'arm64v8/node:20-alpine'));
  });

  it('a FROM split over lines with continuations', () => {
    const src = 'FROM \\\n  --platform=linux/amd64 \\\n  alpine:3.20 \\\n  AS x\nRUN true\n';
    expect(body(src, 'arm64v8')).toBe('FROM \\\n  --platform=linux/arm64/v8 \\\n  arm64v8/alpine:3.20 \\\n  AS x\nRUN true\n');
  });

  it('heredocs, including lines in them that look like FROM', () => {
    const src = [
      'FROM alpine:3.20',
      'RUN <<EOF',
      'FROM debian',
      'echo hi',
      'EOF',
      'COPY <<-CONF /etc/app.conf',
      '\tFROM ubuntu',
      '\tCONF',
      'RUN <<A cat > /a && <<B cat > /b',
      'FROM a',
      'A',
      'FROM b',
      'B',
      '',
    ].join('\n');
    expect(body(src, 'arm64v8')).toBe(src.replace('FROM alpine:3.20', 'FROM arm64v8/alpine:3.20'));
  });

  it('the syntax directive stays first, the header comes right after the directives', () => {
    const src = '# syntax=docker/dockerfile:1\n#check=skip=all\n# a comment\nFROM alpine\n';
    expect(rewrite(src, 'arm64v8').content).toBe(
      `# syntax=docker/dockerfile:1\n#check=skip=all\n${header(a)}# a comment\nFROM arm64v8/alpine\n`,
    );
  });

  it('an unknown directive ends the directives, as in BuildKit', () => {
    const src = '# foo=bar\n# syntax=docker/dockerfile:1\nFROM alpine\n';
    expect(rewrite(src, 'arm64v8').content.startsWith(header(a) + '# foo=bar\n')).toBe(true);
  });

  it('escape=` changes the continuation character', () => {
    const src = [
      '# escape=`',
      'ARG BASE=mcr.local/acme/base:1',
      'FROM mcr.local/acme/base:1 AS other',
      'FROM `',
      '  alpine:3.20',
      'RUN echo C:\\path\\ `',
      '    && dir',
      '',
    ].join('\r\n');
    const out = rewrite(src, 'arm64v8').content;
    expect(out).toBe(
      [
        '# escape=`',
        header(a, 'Dockerfile', '\r\n') + 'ARG BASE=mcr.local/acme/base:1',
        'FROM --platform=linux/arm64/v8 mcr.local/acme/base:1 AS other',
        'FROM `',
        '  arm64v8/alpine:3.20',
        'RUN echo C:\\path\\ `',
        '    && dir',
        '',
      ].join('\r\n'),
    );
  });

  it('an escape=` ARG default continued over two lines', () => {
    const src = '# escape=`\nARG BASE=alpine:`\n3.20\nFROM $BASE\n';
    expect(rewrite(src, 'arm64v8').content).toBe(`# escape=\`\n${header(a)}ARG BASE=arm64v8/alpine:\`\n3.20\nFROM $BASE\n`);
  });

  it('CRLF input keeps CRLF on every line, added lines included (Docker reads both)', () => {
    const src = 'FROM ubuntu:24.04\r\n# install tools\r\nRUN apt-get update && \\\r\n    apt-get install -y curl\r\nCMD ["bash"]\r\n';
    const { content } = rewrite(src, 'arm64v8', 'copy');
    expect(content.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(content.endsWith('CMD ["bash"]\r\n')).toBe(true);
    expect(content).toContain(
      '\r\nFROM arm64v8/ubuntu:24.04\r\nCOPY --from=qemu-user-static /usr/bin/qemu-aarch64-static ' +
        '/usr/bin/qemu-aarch64-static\r\n# install tools\r\n',
    );
  });

  it('a UTF-8 BOM stays first and the byte offsets after it are right', () => {
    const src = '\ufeffFROM alpine:3.20\nRUN true\n';
    expect(rewrite(src, 'arm64v8').content).toBe(`\ufeff${header(a)}FROM arm64v8/alpine:3.20\nRUN true\n`);
  });

  it('no trailing newline', () => {
    expect(body('FROM alpine', 'arm64v8')).toBe('FROM arm64v8/alpine');
  });

  it('lowercase keywords and AS', () => {
    expect(body('from alpine as b\nfrom b\n', 'arm64v8')).toBe('from arm64v8/alpine as b\nfrom b\n');
  });

  it('quoted images keep their quotes', () => {
    expect(body('FROM "alpine:3.20"\n', 'arm64v8')).toBe('FROM "arm64v8/alpine:3.20"\n');
  });
});

describe('every arch of the table', () => {
  it.each(ARCHES.map((x) => x.name))('%s: the official twin and the platform come from the table', (name) => {
    const a = arch(name);
    expect(body('FROM alpine:3.20\nFROM myorg/x\n', name)).toBe(
      `FROM ${name}/alpine:3.20\nFROM --platform=${platformString(a.platform)} myorg/x\n`,
    );
  });

  it('the header names the display path and the arch', () => {
    const r = rewrite('FROM alpine\n', 'riscv64');
    expect(r.content.split('\n').slice(0, 2)).toEqual([
      '# Generated from Dockerfile for riscv64 (linux/riscv64) by create-multiarch-hooks.',
      '# Do not edit by hand: change Dockerfile and run create-multiarch-hooks again.',
    ]);
  });
});

describe('warnings do not depend on the arch, so the generator shows each once', () => {
  it('same warnings for arm64v8 and arm32v6', () => {
    const src = 'ARG BASE=alpine\nFROM --platform=linux/amd64 $BASE\nARG BASE\nFROM ghcr.io/a/b\n';
    const w64 = rewrite(src, 'arm64v8').warnings;
    expect(w64).toHaveLength(3);
    expect(rewrite(src, 'arm32v6').warnings).toEqual(w64);
  });
});
