import { describe, expect, it } from 'vitest';
import { describeBases } from '../../src/dockerfile/index.js';
import { errorOf } from './helpers.js';

describe('describeBases', () => {
  it('resolves every stage and says what kind of base it is', () => {
    const src = [
      '# syntax=docker/dockerfile:1',
      'ARG GO=1.23',
      'ARG BASE=docker.io/library/alpine:3.20',
      'FROM --platform=$BUILDPLATFORM golang:${GO}-alpine AS Build',
      'FROM ${BASE} AS base',
      'FROM ghcr.io/acme/tools:2 AS tools',
      'FROM build AS again',
      'FROM scratch',
      '',
    ].join('\n');
    expect(describeBases(src, 'docker/Dockerfile')).toEqual([
      {
        line: 4,
        stage: 'Build',
        kind: 'buildplatform',
        reference: 'golang:1.23-alpine',
        registry: 'docker.io',
        name: 'golang',
        tag: '1.23-alpine',
        digest: null,
      },
      {
        line: 5,
        stage: 'base',
        kind: 'official',
        reference: 'docker.io/library/alpine:3.20',
        registry: 'docker.io',
        name: 'library/alpine',
        tag: '3.20',
        digest: null,
      },
      {
        line: 6,
        stage: 'tools',
        kind: 'other',
        reference: 'ghcr.io/acme/tools:2',
        registry: 'ghcr.io',
        name: 'acme/tools',
        tag: '2',
        digest: null,
      },
      { line: 7, stage: 'again', kind: 'stage', reference: 'build', registry: null, name: null, tag: null, digest: null },
      { line: 8, stage: null, kind: 'scratch', reference: 'scratch', registry: null, name: null, tag: null, digest: null },
    ]);
  });

  it('describes a $BUILDPLATFORM stage whose image cannot be resolved, without failing', () => {
    expect(describeBases('ARG IMG\nFROM --platform=$BUILDPLATFORM ${IMG} AS b\nFROM alpine\n', 'Dockerfile')[0]).toEqual({
      line: 2,
      stage: 'b',
      kind: 'buildplatform',
      reference: '${IMG}',
      registry: null,
      name: null,
      tag: null,
      digest: null,
    });
  });

  it('throws the same UserErrors as the rewrite, naming the display path', () => {
    expect(errorOf(() => describeBases('ARG BASE\nFROM $BASE\n', 'sub/Dockerfile'))).toMatch(/^sub\/Dockerfile line 2: .*no default/);
    expect(errorOf(() => describeBases(`FROM alpine@sha256:${'a'.repeat(64)}\n`, 'Dockerfile'))).toMatch(/pinned by digest/);
    expect(errorOf(() => describeBases('# nothing\n', 'x/Dockerfile'))).toMatch(/^x\/Dockerfile has no FROM instruction/);
    expect(errorOf(() => describeBases('FROM --platform=$BUILDPLATFORM golang AS build\nFROM build\n', 'Dockerfile'))).toMatch(
      /^Dockerfile line 2: the last stage is the image each arch pushes, but it is built FROM build/,
    );
    expect(errorOf(() => describeBases(`FROM alpine\nCOPY --from=busybox@sha256:${'a'.repeat(64)} /b /b\n`, 'Dockerfile'))).toMatch(
      /^Dockerfile line 2: COPY --from=busybox@sha256:a+ is pinned by digest/,
    );
  });
});
