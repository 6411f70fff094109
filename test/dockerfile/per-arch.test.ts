import { describe, expect, it } from 'vitest';
import { perArchReasons } from '../../src/dockerfile/index.js';

describe('perArchReasons: can one --platform build of the user Dockerfile serve every arch?', () => {
  it.each([
    ['an official image', 'FROM alpine:3.20\nRUN true\n'],
    ['another base (buildx selects it by --platform as the rewrite does)', 'FROM ghcr.io/acme/base:1\n'],
    ['a $BUILDPLATFORM builder stage', 'FROM --platform=$BUILDPLATFORM golang:1.22 AS b\nFROM alpine:3.20\nCOPY --from=b /x /x\n'],
    ['COPY --from an official image', 'FROM alpine:3.20\nCOPY --from=busybox:1.36 /bin/busybox /bin/\n'],
    ['FROM scratch', 'FROM scratch\nCOPY a /\n'],
  ])('%s: yes', (_, source) => {
    expect(perArchReasons(source, 'Dockerfile')).toEqual([]);
  });

  it.each([
    [
      'a literal FROM --platform',
      'FROM --platform=linux/amd64 alpine:3.20\n',
      ['Dockerfile line 1: FROM --platform=linux/amd64 names one platform'],
    ],
    ['an arch-prefixed official image', 'FROM amd64/alpine:3.20\n', ['Dockerfile line 1: amd64/alpine:3.20 names one arch']],
    [
      'COPY --from an arch-prefixed image',
      'FROM alpine:3.20\nCOPY --from=amd64/busybox:1.36 /bin/busybox /bin/\n',
      ['Dockerfile line 2: COPY --from=amd64/busybox:1.36 names one arch'],
    ],
    [
      'a literal platform on scratch',
      'FROM --platform=linux/amd64 scratch\nCOPY a /\n',
      ['Dockerfile line 1: FROM --platform=linux/amd64 names one platform'],
    ],
  ])('%s: no, because', (_, source, reasons) => {
    expect(perArchReasons(source, 'Dockerfile')).toEqual(reasons);
  });
});
