import { describe, expect, it } from 'vitest';
import { handMadeNotes, recogniseHandMade } from '../../src/generate/hand-made.js';

// Small excerpts in the shapes of the seeds' recipe, ckulka/docker-multi-arch-example and
// jnovack/docker-multi-arch-hooks, written for the test.
const ctx = {
  dockerfile: 'Dockerfile',
  dockerfileSource: 'FROM python:3-slim\nRUN pip install flask\nCMD ["flask", "run"]\n',
  arches: ['amd64', 'arm32v7', 'arm64v8'],
  qemu: 'binfmt' as const,
};
const wrongs = (path: string, content: string) => recogniseHandMade(path, content, ctx)?.wrong.map((w) => w.wrong);

describe('recogniseHandMade', () => {
  it('a per-arch Dockerfile with a downloaded emulator (ckulka style): two faults, nothing beyond the recipe', () => {
    const src = [
      'FROM alpine AS builder',
      'RUN apk add curl &&\\',
      '    curl -L https://example.invalid/qemu-arm.tar.gz | tar zxvf - -C . && mv qemu-arm/qemu-arm-static .',
      'FROM arm32v7/python:3-slim',
      'COPY --from=builder qemu-arm-static /usr/bin',
      'RUN pip install flask',
      'CMD ["flask", "run"]',
    ].join('\n');
    const h = recogniseHandMade('Dockerfile.arm32v7', src, ctx)!;
    expect(h.what).toBe('hand-made per-arch Dockerfile');
    expect(h.wrong.map((w) => w.wrong)).toEqual([
      'copies qemu-*-static into the image, so every container carries the emulator',
      'downloads QEMU without checking a checksum',
    ]);
    expect(h.beyond).toEqual([]);
  });

  it('a per-arch Dockerfile with steps of its own says what --force would lose', () => {
    const src =
      'FROM arm64v8/python:3-slim\nCOPY qemu-aarch64-static /usr/bin/\nRUN pip install flask\nRUN pip ' +
      'install gunicorn\nCMD ["flask", "run"]\n';
    const h = recogniseHandMade('Dockerfile.arm64v8', src, ctx)!;
    expect(h.wrong).toHaveLength(1);
    expect(handMadeNotes(h)).toContain(
      'it also has `RUN pip install gunicorn` that Dockerfile lacks: replacing it loses that, so --adopt leaves it (--force replaces it anyway, keeping a .bak copy)',
    );
  });

  it('a build hook that builds every arch with build args (jnovack style)', () => {
    const src = [
      '#!/bin/bash',
      'for FILE in ${DOCKERFILE_PATH}.*',
      'do',
      '    TARGET_ARCH=$(echo "${FILE}" | cut -d \'.\' -f 2)',
      '    docker run --rm --privileged multiarch/qemu-user-static:register --reset',
      '    docker build --file "${DOCKERFILE_PATH}.${TARGET_ARCH}" --build-arg COMMIT=$(git rev-parse ' +
        '--short HEAD) --build-arg VERSION=1 -t ${IMAGE_NAME}_${TARGET_ARCH} .',
      'done',
    ].join('\n');
    const h = recogniseHandMade('hooks/build', src, ctx)!;
    expect(h.wrong.map((w) => w.wrong)).toEqual([
      'registers an unpinned QEMU image with --privileged',
      'builds every arch in one Docker Hub build, one after the other',
    ]);
    expect(h.beyond).toEqual(['passes --build-arg COMMIT, VERSION']);
  });

  it('a pre_build pinned by digest with the fix-binary flag has nothing wrong but is still recognised', () => {
    expect(
      wrongs(
        'hooks/pre_build',
        '#!/bin/bash\ndocker run --rm --privileged multiarch/qemu-user-static@sha256:' + 'a'.repeat(64) + ' --reset -p yes\n',
      ),
    ).toEqual([]);
  });

  it('a post_push that checks the checksum is not blamed for it, but extra commands are kept in view', () => {
    const src =
      '#!/bin/bash\ncurl -Lo manifest-tool https://example.invalid/mt\necho "abc  manifest-tool" | ' +
      'sha256sum -c\n./manifest-tool push from-spec multi-arch-manifest.yaml\n./notify-slack.sh\n';
    const h = recogniseHandMade('hooks/post_push', src, ctx)!;
    expect(h.wrong.map((w) => w.wrong)).not.toContain('downloads manifest-tool without checking a checksum');
    expect(h.beyond).toEqual(['runs `./notify-slack.sh`']);
  });

  it('a hand-written spec with tags that are not the arch names', () => {
    const src =
      'image: acme/x:latest\nmanifests:\n  - image: acme/x:amd64\n    platform: {architecture: amd64, ' +
      'os: linux}\n  - image: acme/x:armhf\n    platform: {architecture: arm, os: linux}\n';
    expect(recogniseHandMade('multi-arch-manifest.yaml', src, ctx)!.beyond).toEqual([
      'lists the tags armhf, where the new spec uses the tags amd64, arm32v7, arm64v8',
    ]);
  });

  it.each([
    ['hooks/post_push', '#!/bin/bash\necho my own post_push\n'],
    ['hooks/pre_build', '#!/bin/bash\nnpm ci\n'],
    ['Dockerfile.arm64v8', 'FROM arm64v8/python:3-slim\n'],
    ['hooks/post_checkout', '#!/bin/bash\ndocker manifest push x\n'],
  ])('not a recipe file: %s', (path, content) => {
    expect(recogniseHandMade(path, content, ctx)).toBeNull();
  });
});
