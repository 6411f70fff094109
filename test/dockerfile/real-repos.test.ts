import { describe, expect, it } from 'vitest';
import { ARCHES, NATIVE_ARCH } from '../../src/arch.js';
import { checkNativeDockerfile, describeBases, officialImages } from '../../src/dockerfile/index.js';
import { arch, body, errorOf, rewrite } from './helpers.js';

// Shapes seen in public repositories (issue 12), written small for the test.
const DIGEST = 'sha256:' + 'a'.repeat(64);

describe('Windows bases under their old Docker Hub names are refused like mcr.microsoft.com/windows', () => {
  it.each([
    'microsoft/windowsservercore',
    'microsoft/nanoserver:1809',
    'microsoft/iis:latest',
    'microsoft/dotnet-framework:4.7.2-sdk',
    'docker.io/microsoft/mssql-server-windows-developer',
    'mcr.microsoft.com/dotnet/framework/sdk:4.8',
    'mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022',
    'mcr.microsoft.com/powershell:lts-7.4-ltsc2022',
  ])('%s', (img) => {
    const m = errorOf(() => rewrite(`FROM ${img}\nRUN echo\n`, 'arm64v8'));
    expect(m).toBe(`Dockerfile line 1: ${img} is a Windows image, so it has no image for the other architectures; use a Linux base image.`);
    expect(errorOf(() => describeBases(`FROM ${img}\n`, 'Dockerfile'))).toContain('is a Windows image');
  });

  it.each(['microsoft/dotnet:2.1-sdk', 'mcr.microsoft.com/dotnet/sdk:8.0', 'acme/nanoserver-tools:1'])(
    'still maps the Linux image %s',
    (img) => {
      expect(body(`FROM ${img}\n`, 'arm64v8')).toBe(`FROM --platform=linux/arm64/v8 ${img}\n`);
    },
  );
});

describe('an arch baked into a base image name through an ARG default follows each arch', () => {
  const src = 'ARG ARCH=amd64\nFROM quay.io/acme/busybox-linux-${ARCH}:latest\nARG ARCH\nRUN echo $ARCH\n';

  it.each(ARCHES.filter((a) => a.name !== NATIVE_ARCH).map((a) => [a.name, a.spellings.goarch]))('%s: ARCH=%s', (name, spelled) => {
    const r = rewrite(src, name);
    const plat = ['linux', arch(name).platform.architecture, arch(name).platform.variant].filter(Boolean).join('/');
    expect(body(src, name)).toBe(
      `ARG ARCH=${spelled}\nFROM --platform=${plat} quay.io/acme/busybox-linux-\${ARCH}:latest\nARG ARCH\nRUN echo $ARCH\n`,
    );
    expect(r.warnings).toContain(
      'Dockerfile line 1: ARG ARCH=amd64 names the architecture in the base image ' +
        "quay.io/acme/busybox-linux-${ARCH}:latest (line 2), so each arch's Dockerfile sets it to that " +
        "arch's Go-style name (armv6, armv7, arm64, ...), also in the stages that import it; that image " +
        'must exist under each of those names.',
    );
    // The stage's own ARG ARCH gets the arch's name on purpose: no "rewritten base image" warning.
    expect(r.warnings.some((w) => w.includes('is also used inside its stage'))).toBe(false);
  });

  it('in a tag (distroless nonroot-${DISTROLESS_ARCH}), quoted', () => {
    const s =
      'ARG DISTROLESS_ARCH="amd64"\nFROM golang:1.22 AS build\nRUN go build\nFROM ' +
      'gcr.io/distroless/static:nonroot-${DISTROLESS_ARCH}\nCOPY --from=build /app /\n';
    expect(body(s, 'arm64v8')).toBe(
      'ARG DISTROLESS_ARCH="arm64"\nFROM arm64v8/golang:1.22 AS build\nRUN go build\nFROM ' +
        '--platform=linux/arm64/v8 gcr.io/distroless/static:nonroot-${DISTROLESS_ARCH}\nCOPY ' +
        '--from=build /app /\n',
    );
    // 32-bit arm carries its variant, as image names do (GOARCH alone is arm for v5, v6 and v7).
    expect(body(s, 'arm32v7')).toMatch(/^ARG DISTROLESS_ARCH="armv7"\n/);
    expect(body(s, 'arm32v6')).toMatch(/^ARG DISTROLESS_ARCH="armv6"\n/);
  });

  it('a stage declaring the ARG again with the same default gets the arch too (Prometheus exporters)', () => {
    const s =
      'ARG ARCH="amd64"\nARG OS="linux"\nFROM quay.io/prometheus/busybox-${OS}-${ARCH}:glibc\nARG ' +
      'ARCH="amd64"\nARG OS="linux"\nCOPY .build/${OS}-${ARCH}/exporter /bin/exporter\n';
    const r = rewrite(s, 'arm32v7');
    expect(body(s, 'arm32v7')).toBe(
      'ARG ARCH="armv7"\nARG OS="linux"\nFROM --platform=linux/arm/v7 ' +
        'quay.io/prometheus/busybox-${OS}-${ARCH}:glibc\nARG ARCH="armv7"\nARG OS="linux"\nCOPY ' +
        '.build/${OS}-${ARCH}/exporter /bin/exporter\n',
    );
    expect(r.warnings).toEqual([
      'Dockerfile line 1: ARG ARCH=amd64 names the architecture in the base image ' +
        "quay.io/prometheus/busybox-${OS}-${ARCH}:glibc (line 3), so each arch's Dockerfile sets it to " +
        "that arch's Go-style name (armv6, armv7, arm64, ...), also in the stages that import it or " +
        'declare it again with amd64; that image must exist under each of those names.',
    ]);
    // Another default is the author's choice and stays.
    expect(body(s.replace('ARG ARCH="amd64"\nARG OS="linux"\nCOPY', 'ARG ARCH=arm64\nARG OS="linux"\nCOPY'), 'arm32v7')).toContain(
      'ARG ARCH=arm64\n',
    );
  });

  it('the kernel spelling stays the kernel spelling (x86_64 -> aarch64, armv7l)', () => {
    const s = 'ARG ARCH=x86_64\nFROM ghcr.io/acme/base-${ARCH}\n';
    expect(body(s, 'arm64v8')).toBe('ARG ARCH=aarch64\nFROM --platform=linux/arm64/v8 ghcr.io/acme/base-${ARCH}\n');
    expect(body(s, 'arm32v7')).toBe('ARG ARCH=armv7l\nFROM --platform=linux/arm/v7 ghcr.io/acme/base-${ARCH}\n');
  });

  it('leaves alone an ARG that is no arch name, or an arch ARG the bases do not use', () => {
    expect(body('ARG V=amd64x\nFROM acme/b-${V}\n', 'arm64v8')).toBe('ARG V=amd64x\nFROM --platform=linux/arm64/v8 acme/b-${V}\n');
    expect(body('ARG ARCH=amd64\nFROM alpine\nARG ARCH\nRUN echo $ARCH\n', 'arm64v8')).toBe(
      'ARG ARCH=amd64\nFROM arm64v8/alpine\nARG ARCH\nRUN echo $ARCH\n',
    );
  });

  it('an official arch prefix through the same kind of ARG is still mapped as a twin', () => {
    expect(body('ARG ARCH=amd64\nFROM ${ARCH}/alpine:3.20\n', 'arm32v7')).toBe('ARG ARCH=arm32v7\nFROM ${ARCH}/alpine:3.20\n');
  });

  it('refuses, with the fix, an arch ARG a $BUILDPLATFORM stage names too', () => {
    const s = 'ARG ARCH=amd64\nFROM --platform=$BUILDPLATFORM acme/tools-${ARCH} AS tools\nFROM acme/base-${ARCH}\n';
    expect(errorOf(() => rewrite(s, 'arm64v8'))).toMatch(
      /^Dockerfile line 2: the rewrite of ARG ARCH \(line 1\) for another FROM would make this base acme\/tools-arm64; give each FROM its own ARG\.$/,
    );
  });
});

describe('an ARG declared without a default expands to nothing, as in Docker', () => {
  it('FROM ${BASE_IMAGE_PREFIX}alpine builds alpine (amd64) and its twins, the prefix kept in front', () => {
    const s = 'ARG BASE_IMAGE_PREFIX\nFROM ${BASE_IMAGE_PREFIX}alpine:3.20\n';
    // A --build-arg BASE_IMAGE_PREFIX=mirror.example/ still reaches the twin through the mirror.
    expect(body(s, 'arm64v8')).toBe('ARG BASE_IMAGE_PREFIX\nFROM ${BASE_IMAGE_PREFIX}arm64v8/alpine:3.20\n');
    expect(() => checkNativeDockerfile(s, 'Dockerfile', arch('amd64'))).not.toThrow();
    expect(officialImages(s, 'Dockerfile')).toEqual([{ name: 'alpine', tag: '3.20' }]);
  });

  it('an undeclared variable is still refused (most likely a typo)', () => {
    expect(errorOf(() => rewrite('FROM ${PREFIX}alpine\n', 'arm64v8'))).toMatch(/uses PREFIX, which no ARG before the first FROM declares/);
  });
});

describe('a stage that only provides files, pinned by its author, is kept as written', () => {
  const src = [
    `FROM --platform=linux/amd64 vendor/assets@${DIGEST} AS assets`,
    'FROM alpine:3.20',
    'COPY --from=assets /usr/share/assets /srv/assets',
    'RUN ls /srv/assets',
    '',
  ].join('\n');

  it.each(['arm64v8', 'arm32v6'])('%s: not refused, not re-platformed, with one warning', (name) => {
    const r = rewrite(src, name);
    expect(body(src, name)).toBe(src.replace('FROM alpine:3.20', `FROM ${name}/alpine:3.20`));
    expect(r.warnings).toEqual([
      'Dockerfile line 1: stage assets only provides files (no RUN, nothing built FROM it) and is ' +
        "pinned with --platform=linux/amd64 and a digest, so every arch's Dockerfile keeps it as " +
        'written; what the other stages copy from it must suit every arch.',
    ]);
  });

  it('an official image pinned by digest only, copied from by index, is kept too, and not checked for twins', () => {
    const s = `FROM node@${DIGEST} AS fonts\nFROM alpine\nCOPY --from=0 /usr/share/fonts /usr/share/fonts\n`;
    expect(body(s, 'arm64v8')).toBe(s.replace('FROM alpine', 'FROM arm64v8/alpine'));
    expect(officialImages(s, 'Dockerfile')).toEqual([{ name: 'alpine', tag: null }]);
    expect(describeBases(s, 'Dockerfile')[0]).toMatchObject({ kind: 'pinned', name: 'node', digest: DIGEST });
  });

  it('the amd64 Dockerfile may pin such a stage to another platform', () => {
    expect(() => checkNativeDockerfile(src.replace('linux/amd64', 'linux/arm64'), 'Dockerfile', arch('amd64'))).not.toThrow();
  });

  it('gets no emulator with --qemu copy (nothing runs in it)', () => {
    const out = body(src, 'arm64v8', 'copy');
    expect(out.match(/COPY --from=qemu-user-static/g)).toHaveLength(1);
    expect(out).toContain(`FROM --platform=linux/amd64 vendor/assets@${DIGEST} AS assets\nFROM`);
  });

  it.each([
    [
      'it runs something',
      `FROM --platform=linux/amd64 vendor/assets@${DIGEST} AS assets\nRUN true\nFROM alpine\nCOPY --from=assets /a /a\n`,
      /pinned by digest/,
    ],
    [
      'a stage is built FROM it',
      `FROM vendor/assets@${DIGEST} AS assets\nFROM assets AS b\nFROM alpine\nCOPY --from=b /a /a\n`,
      /pinned by digest/,
    ],
    ['it is the last stage', `FROM alpine AS a\nFROM vendor/assets@${DIGEST}\n`, /pinned by digest/],
    ['nothing copies from it', `FROM vendor/assets@${DIGEST} AS assets\nFROM alpine\n`, /pinned by digest/],
  ])('the digest is still refused when %s', (_what, s, message) => {
    expect(errorOf(() => rewrite(s, 'arm64v8'))).toMatch(message);
  });

  it('without a pin, a files-only stage follows the arch as before', () => {
    expect(body('FROM vendor/assets AS assets\nFROM alpine\nCOPY --from=assets /a /a\n', 'arm64v8')).toBe(
      'FROM --platform=linux/arm64/v8 vendor/assets AS assets\nFROM arm64v8/alpine\nCOPY --from=assets /a /a\n',
    );
  });
});

describe('--qemu copy and ONBUILD triggers, which run at the FROM before the emulator is there', () => {
  it('warns for an official onbuild variant and for any non-official base', () => {
    const w = rewrite('FROM node:8-onbuild AS app\nFROM acme/base:1\nRUN true\n', 'arm64v8', 'copy').warnings;
    expect(w).toContain(
      'Dockerfile line 1: with --qemu copy, node:8-onbuild is an ONBUILD image, whose triggers run at ' +
        'the FROM, before the emulator is copied in, so a RUN trigger fails there; use --qemu binfmt ' +
        '(kernel 4.8 or later) for such a base.',
    );
    expect(w).toContain(
      'Dockerfile line 2: with --qemu copy, any ONBUILD trigger of acme/base:1 (docker inspect -f ' +
        "'{{json .Config.OnBuild}}' acme/base:1) runs at the FROM, before the emulator is copied in, so " +
        'a RUN trigger fails there; use --qemu binfmt (kernel 4.8 or later) for such a base.',
    );
  });

  it('says nothing for official images (they have no triggers) or with --qemu binfmt', () => {
    expect(rewrite('FROM alpine\nRUN true\n', 'arm64v8', 'copy').warnings).toEqual([]);
    expect(rewrite('FROM node:8-onbuild\n', 'arm64v8').warnings).toEqual([]);
  });
});
