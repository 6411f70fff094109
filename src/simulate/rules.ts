/**
 * Which build rules a push triggers, and what Docker Hub names the build: the rule's source is a
 * name or a `/regex/`, its Docker tag may hold `{sourceref}` and `{\1}`..`{\9}`.
 */
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import type { BuildRule } from '../record/index.js';
import type { GeneratorRecord } from '../record/index.js';

export type Source = { type: 'Branch' | 'Tag'; name: string };

export interface RuleRun {
  rule: BuildRule;
  /** The Docker tag this build pushes (`arm64v8`, `1.2.3-arm64v8`). */
  dockerTag: string;
  /** The list tag the arch image belongs to (`latest`, `1.2.3`). */
  listTag: string;
  /** `Branch main`, `Tag /^v([0-9.]+)$/`: how the rule reads in Docker Hub. */
  label: string;
}

const DOCKER_TAG = /^[\w][\w.-]{0,127}$/;

/** `/^v([0-9.]+)$/` -> RegExp; a plain name -> undefined (exact match). */
export function sourceRegex(source: string): RegExp | undefined {
  const m = /^\/(.*)\/$/s.exec(source);
  if (!m) return undefined;
  try {
    return new RegExp(m[1]!);
  } catch (e) {
    throw new UserError(
      `The build rule source ${source} is not a valid regular expression (${(e as Error).message}); ` +
        `fix it in .multiarch-hooks.json or re-run npx create-multiarch-hooks.`,
      2,
    );
  }
}

/** The match Docker Hub makes between a rule's source and the pushed name, or null. */
export function matchSource(source: string, name: string): RegExpExecArray | null {
  const re = sourceRegex(source);
  if (re) return re.exec(name);
  if (source !== name) return null;
  const m = [name] as unknown as RegExpExecArray;
  m.index = 0;
  return m;
}

/** `{sourceref}` -> the pushed name, `{\N}` -> the regex's Nth capture group (empty if unset). */
export function expandDockerTag(template: string, name: string, match: RegExpExecArray): string {
  return template.replace(/\{sourceref\}/g, name).replace(/\{\\([1-9])\}/g, (_, n: string) => match[Number(n)] ?? '');
}

/** The list tag of a per-arch tag (see CONTRACTS.md "Tag scheme"); a tag without the arch is its own list. */
export function listTagOf(dockerTag: string, arch: string): string {
  if (dockerTag === arch) return 'latest';
  if (dockerTag.endsWith(`-${arch}`)) return dockerTag.slice(0, -arch.length - 1);
  return dockerTag;
}

/** Every rule the push of `source` triggers, in the record's order. Throws UserError if none. */
export function selectRuns(record: GeneratorRecord, source: Source): RuleRun[] {
  const runs: RuleRun[] = [];
  for (const rule of record.buildRules) {
    if (rule.sourceType !== source.type) continue;
    const m = matchSource(rule.source, source.name);
    if (!m) continue;
    const dockerTag = expandDockerTag(rule.dockerTag, source.name, m);
    if (!DOCKER_TAG.test(dockerTag)) {
      throw new UserError(
        `${source.type} ${source.name} gives the ${rule.arch} rule the Docker tag "${dockerTag}" (from ` +
          `${rule.dockerTag}), which is not a valid tag; push a ${source.type.toLowerCase()} whose name ` +
          `makes a valid tag.`,
        2,
      );
    }
    runs.push({ rule, dockerTag, listTag: listTagOf(dockerTag, rule.arch), label: `${rule.sourceType} ${rule.source}` });
  }
  if (runs.length === 0) {
    const sources = [...new Set(record.buildRules.filter((r) => r.sourceType === source.type).map((r) => r.source))];
    const kind = source.type === 'Tag' ? 'tag' : 'branch';
    throw new UserError(
      sources.length
        ? `No build rule matches the ${kind} ${source.name} (the ${kind} rules take ` +
            `${sources.join(', ')}); give a ` +
            `matching ${source.type === 'Tag' ? '--tag' : '--source-branch'}.`
        : `The record has no ${kind} rules, so ` +
            `pushing the ${kind} ${source.name} ` +
            `builds nothing; ${source.type === 'Tag' ? 'set a tag regex with npx create-multiarch-hooks --tag-regex' : 'simulate a --tag instead'}.`,
      2,
    );
  }
  const seen = new Set<string>();
  for (const r of runs) {
    if (seen.has(r.dockerTag)) {
      throw new UserError(
        `Two build rules push the same Docker tag ${r.dockerTag}; fix the build rules in ` +
          `.multiarch-hooks.json or re-run npx create-multiarch-hooks.`,
        2,
      );
    }
    seen.add(r.dockerTag);
  }
  return runs;
}

/** The build context (absolute) and the Dockerfile's folder, from the repo root and a rule. */
export function rulePaths(repoRoot: string, rule: BuildRule): { contextDir: string; dockerfileAbs: string } {
  const ctx = rule.context.replace(/^\/+/, '');
  const contextDir = posix.join(repoRoot, ctx);
  return { contextDir, dockerfileAbs: posix.join(contextDir, rule.dockerfile) };
}
