import { describe, expect, it } from 'vitest';
import { buildkitOnly, buildkitSummary } from '../../src/dockerfile/buildkit.js';

const reasons = (src: string) => buildkitOnly(src).map((n) => n.reason);

describe('buildkitOnly: what the legacy builder (DOCKER_BUILDKIT=0) cannot build', () => {
  it.each([
    ['FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM alpine\n', '$BUILDPLATFORM in FROM (line 1)'],
    ['FROM --platform=${BUILDPLATFORM} golang:1.22 AS build\nFROM alpine\n', '$BUILDPLATFORM in FROM (line 1)'],
    ['FROM --platform=$TARGETPLATFORM alpine\n', '$TARGETPLATFORM in FROM (line 1)'],
    ['FROM alpine\nFROM acme/tool:${TARGETARCH}\n', '$TARGETARCH in FROM (line 2)'],
    ['FROM acme/tool:${TARGETOS:-linux}-$TARGETVARIANT\n', '$TARGETOS in FROM (line 1)'],
    ['ARG BP=$BUILDPLATFORM\nFROM --platform=$BP golang AS b\nFROM alpine\n', '$BP in FROM (line 2)'],
    ['FROM alpine\nRUN --mount=type=cache,target=/root/.cache true\n', 'RUN --mount (line 2)'],
    ['FROM alpine\nRUN --network=none true\n', 'RUN --network (line 2)'],
    ['FROM alpine\nRUN --security=insecure true\n', 'RUN --security (line 2)'],
    ['FROM alpine\nCOPY --chmod=755 run.sh /\n', 'COPY --chmod (line 2)'],
    ['FROM alpine\nCOPY --link app /\n', 'COPY --link (line 2)'],
    ['FROM alpine\nADD --link app.tgz /\n', 'ADD --link (line 2)'],
    ['FROM alpine\nCOPY --parents src/*/go.mod /\n', 'COPY --parents (line 2)'],
    ['FROM alpine\nADD --checksum=sha256:00 https://x/y /\n', 'ADD --checksum (line 2)'],
    ['FROM alpine\nRUN <<EOF\napk add curl\nEOF\n', 'a heredoc in RUN (line 2)'],
    ['FROM alpine\nCOPY <<EOT /etc/motd\nhello\nEOT\n', 'a heredoc in COPY (line 2)'],
    ['FROM alpine\nADD <<EOT /etc/motd\nhello\nEOT\n', 'a heredoc in ADD (line 2)'],
    ['# syntax=docker/dockerfile:1.7\nFROM alpine\n', '# syntax=docker/dockerfile:1.7 (line 1)'],
    ['FROM alpine\nARG TARGETARCH\nCOPY dist/app-${TARGETARCH} /app\n', 'ARG TARGETARCH (line 2)'],
    ['FROM alpine\nARG TARGETOS=linux\nARG TARGETVARIANT\n', 'ARG TARGETVARIANT (line 3)'],
    ['# escape=`\n# syntax = docker/dockerfile:1\nFROM alpine\n', '# syntax=docker/dockerfile:1 (line 2)'],
  ])('%j -> %s', (src, reason) => {
    expect(reasons(src)).toEqual([reason]);
  });

  it.each([
    ['plain stages', 'FROM golang:1.22 AS build\nRUN go build\nFROM alpine\nCOPY --from=build --chown=1:1 /app /\n'],
    ['a literal --platform (the legacy builder takes it)', 'FROM --platform=linux/amd64 alpine\n'],
    ['ADD --chown', 'FROM alpine\nADD --chown=1:1 a /\n'],
    ['an ARG default after FROM does not count for FROM', 'FROM alpine\nARG X=$TARGETARCH\n'],
    ['a platform ARG given a default of its own', 'FROM alpine\nARG TARGETARCH=amd64\n'],
    ['a global platform ARG (FROMs see it, the stage does not)', 'ARG TARGETARCH\nFROM alpine\n'],
    ['a syntax comment below an instruction is no directive', 'FROM alpine\n# syntax=docker/dockerfile:1\n'],
    ['a syntax line after another comment is no directive', '# hello\n# syntax=docker/dockerfile:1\nFROM alpine\n'],
    ['a shell here-string', "FROM alpine\nRUN cat <<< 'x'\n"],
  ])('nothing for %s', (_, src) => {
    expect(buildkitOnly(src)).toEqual([]);
  });

  it('lists every construct in file order with its line, each once per line', () => {
    const src = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,target=. go build',
      'FROM alpine',
      'COPY --from=build --chmod=755 /out/app /app',
      '',
    ].join('\n');
    expect(buildkitOnly(src)).toEqual([
      { line: 1, reason: '# syntax=docker/dockerfile:1 (line 1)' },
      { line: 2, reason: '$BUILDPLATFORM in FROM (line 2)' },
      { line: 3, reason: 'RUN --mount (line 3)' },
      { line: 5, reason: 'COPY --chmod (line 5)' },
    ]);
  });

  it('summarises the first reasons for one line of text', () => {
    const needs = buildkitOnly('FROM alpine\nRUN --mount=type=cache,target=/x true\nCOPY --link a /\nCOPY --chmod=1 b /\n');
    expect(buildkitSummary(needs)).toBe('RUN --mount (line 2), COPY --link (line 3) and 1 more');
    expect(buildkitSummary(needs.slice(0, 2))).toBe('RUN --mount (line 2) and COPY --link (line 3)');
    expect(buildkitSummary(needs.slice(0, 1))).toBe('RUN --mount (line 2)');
  });

  it('reads CRLF files and never throws on input the rewriter refuses', () => {
    expect(reasons('FROM alpine\r\nRUN --mount=type=cache,target=/x true\r\n')).toEqual(['RUN --mount (line 2)']);
    expect(buildkitOnly('RUN true\n')).toEqual([]);
    expect(buildkitOnly('')).toEqual([]);
  });
});
