import { posix } from 'node:path';
import type { Arch } from '../arch.js';
import { type BuildRule, EVERY_ARCH } from '../record/index.js';

/** The per-arch tag for a list tag: `arm64v8` for latest, `1.2.3-arm64v8` otherwise. */
export function archTag(listTag: string, arch: string): string {
  return listTag === 'latest' ? arch : `${listTag}-${arch}`;
}

/**
 * One Branch rule per arch (tag `<arch>`, list `latest`) and, when a tag regex is set, one Tag
 * rule per arch (tag `{\1}-<arch>`, list `{\1}`). No rule builds the list itself: the last arch
 * build's post_push publishes it.
 */
export function buildRules(opts: {
  arches: readonly Arch[];
  /** Dockerfile per arch, relative to the repo root, POSIX separators. */
  dockerfileFor: (arch: Arch) => string;
  /** The arch's per-arch tag name (the table's name unless a hand-made setup used another). */
  tagFor?: (arch: Arch) => string;
  branch: string;
  tagRegex: string;
  context: string;
}): BuildRule[] {
  const rules: BuildRule[] = [];
  const tag = opts.tagFor ?? ((a: Arch) => a.name);
  const ctx = opts.context.replace(/^\/+/, '');
  const location = (a: Arch) => posix.relative(ctx || '.', opts.dockerfileFor(a)) || posix.basename(opts.dockerfileFor(a));
  for (const a of opts.arches) {
    rules.push({
      arch: a.name,
      sourceType: 'Branch',
      source: opts.branch,
      dockerTag: archTag('latest', tag(a)),
      dockerfile: location(a),
      context: opts.context,
    });
  }
  if (opts.tagRegex) {
    for (const a of opts.arches) {
      rules.push({
        arch: a.name,
        sourceType: 'Tag',
        source: opts.tagRegex,
        dockerTag: `{\\1}-${tag(a)}`,
        dockerfile: location(a),
        context: opts.context,
      });
    }
  }
  return rules;
}

/** The rules as a fixed-width table for the terminal. */
export function formatRulesTable(rules: readonly BuildRule[]): string {
  const head = ['Source type', 'Source', 'Docker tag', 'Dockerfile location', 'Build context'];
  const rows = rules.map((r) => [r.sourceType, r.source, r.dockerTag, r.dockerfile, r.context]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * `--strategy buildx`: one Branch rule (tag `latest`) and, when a tag regex is set, one Tag rule
 * (tag `{\1}`), both building the user's own Dockerfile; hooks/build builds every platform and
 * pushes the list itself.
 */
export function buildxRules(opts: {
  /** The user's Dockerfile, relative to the repo root, POSIX separators. */
  dockerfile: string;
  branch: string;
  tagRegex: string;
  context: string;
}): BuildRule[] {
  const ctx = opts.context.replace(/^\/+/, '');
  const dockerfile = posix.relative(ctx || '.', opts.dockerfile) || posix.basename(opts.dockerfile);
  const rule = (sourceType: BuildRule['sourceType'], source: string, dockerTag: string): BuildRule => ({
    arch: EVERY_ARCH,
    sourceType,
    source,
    dockerTag,
    dockerfile,
    context: opts.context,
  });
  return [rule('Branch', opts.branch, 'latest'), ...(opts.tagRegex ? [rule('Tag', opts.tagRegex, '{\\1}')] : [])];
}
