import { UserError } from '../errors.js';
import { AUTOMATIC_PLATFORM_ARGS, type Binding, ExpandError, type ExpandProblem, expandWord, type Resolved } from './expand.js';
import { type Classification, classify, type ImageRef, parseImageRef } from './image-ref.js';
import type { FlagInfo, ParsedDockerfile, Stage } from './parse.js';

/**
 * `pinned`: a stage that only provides files (no RUN, nothing built FROM it, not the last stage)
 * whose image the author pinned with a literal `--platform` or a digest. Nothing executes in it,
 * so its platform does not have to be the target's: it is kept as written in every arch's
 * Dockerfile, like a `$BUILDPLATFORM` stage.
 */
export type BaseKind = 'official' | 'other' | 'scratch' | 'stage' | 'buildplatform' | 'pinned';

/** How the FROM's `--platform` flag (if any) is written. */
export type PlatformMode = 'none' | 'literal' | 'build' | 'target';

export interface StagePlan {
  stage: Stage;
  kind: BaseKind;
  /** The image argument after ARG expansion; null only for a build-platform stage that cannot be resolved. */
  resolved: Resolved | null;
  /** Null for scratch, stage references and unresolved build-platform stages. */
  ref: ImageRef | null;
  platform: PlatformMode;
  platformFlag: FlagInfo | null;
  /** For a stage reference (`FROM build`), the index of the stage it is built from; else null. */
  base: number | null;
  /**
   * Runs on the builder's own platform: a `--platform=$BUILDPLATFORM` stage, or a stage built
   * FROM one, directly or through other stage references (it inherits the platform). Every
   * other stage runs on the target platform (emulated, or scratch).
   */
  native: boolean;
}

const BUILD_ARGS = AUTOMATIC_PLATFORM_ARGS.filter((a) => a.startsWith('BUILD'));
const TARGET_ARGS = AUTOMATIC_PLATFORM_ARGS.filter((a) => a.startsWith('TARGET'));

function fail(p: ParsedDockerfile, line: number, what: string): UserError {
  return new UserError(`${p.file} line ${line}: ${what}.`);
}

function platformOf(p: ParsedDockerfile, s: Stage): { mode: PlatformMode; flag: FlagInfo | null } {
  const flags = s.flags.filter((f) => f.name.toLowerCase() === 'platform');
  if (flags.length > 1) throw fail(p, s.line, 'FROM has more than one --platform flag; keep one');
  const flag = flags[0] ?? null;
  if (flag === null) return { mode: 'none', flag };
  if (!flag.value || !flag.valueSpan) throw fail(p, s.line, '--platform needs a value (e.g. --platform=$BUILDPLATFORM); fix the flag');
  const vars = [...flag.value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  if (vars.length === 0) return { mode: 'literal', flag };
  if (vars.every((v) => BUILD_ARGS.includes(v))) return { mode: 'build', flag };
  if (vars.every((v) => TARGET_ARGS.includes(v))) return { mode: 'target', flag };
  throw fail(
    p,
    s.line,
    `--platform=${flag.value} uses a variable create-multiarch-hooks cannot follow; write the ` +
      `platform literally, or use $BUILDPLATFORM (a native stage) or $TARGETPLATFORM`,
  );
}

function problemText(problem: ExpandProblem, raw: string): string {
  switch (problem.kind) {
    case 'undeclared':
      return (
        `the base image ${raw} uses ${problem.name}, which no ARG before the first FROM declares; ` +
        `declare it there with a default (ARG ${problem.name}=...)`
      );
    case 'automatic':
      return (
        `the base image ${raw} depends on ${problem.name}, the build's platform; write the image name ` +
        `itself (in the FROM or an ARG default) so each arch's Dockerfile can map it`
      );
    case 'unsupported':
      return (
        `the base image ${raw} uses ${problem.detail}, which create-multiarch-hooks cannot resolve; use ` +
        `$VAR, \${VAR} or \${VAR:-default} with ARG defaults`
      );
  }
}

/** Expands a FROM's image with the global ARGs; null when it cannot be known statically. */
export function resolveImage(p: ParsedDockerfile, s: Stage, env: ReadonlyMap<string, Binding> = p.env): Resolved | ExpandProblem {
  try {
    return expandWord(s.image.raw, s.image.start, env, p.escape);
  } catch (e) {
    if (e instanceof ExpandError) return e.problem;
    throw e;
  }
}

/**
 * Classifies every stage's base and checks that each one that must be rewritten can be:
 * throws UserError for an unresolvable ARG base, an invalid reference, a digest pin or a
 * base with no per-arch counterpart, and a last stage that runs on the build platform. Stages
 * with `--platform=$BUILDPLATFORM` run natively and are neither checked nor changed.
 */
export function planStages(p: ParsedDockerfile): StagePlan[] {
  const plans: StagePlan[] = [];
  /** Lower-cased names of the stages defined so far, with their index. */
  const earlier = new Map<string, number>();
  const filesOnly = filesOnlyStages(p);
  for (const s of p.stages) {
    const { mode, flag } = platformOf(p, s);
    const r = resolveImage(p, s);
    const resolved = 'text' in r ? r : null;
    const plan = (kind: BaseKind, ref: ImageRef | null, base: number | null = null): StagePlan => ({
      stage: s,
      kind,
      resolved,
      ref,
      platform: mode,
      platformFlag: flag,
      base,
      native: kind === 'buildplatform' || (base !== null && plans[base].native),
    });

    if (mode === 'build') {
      plans.push(plan('buildplatform', resolved ? parseImageRef(resolved.text) : null));
    } else {
      if (!resolved) throw fail(p, s.line, problemText(r as ExpandProblem, s.image.raw));
      const text = resolved.text;
      if (text === '')
        throw fail(
          p,
          s.line,
          `the base image ${s.image.raw} expands to nothing, since its ARG has no default or an empty one; give it a default`,
        );
      // Docker matches stage names case-insensitively, and only names defined above.
      const base = earlier.get(text.toLowerCase());
      if (base !== undefined) plans.push(plan('stage', null, base));
      else if (text === 'scratch') plans.push(plan('scratch', null));
      else {
        const ref = parseImageRef(text);
        if (!ref) throw fail(p, s.line, `${text} is not a valid image reference; fix the FROM`);
        const c: Classification = classify(ref);
        if (c.kind === 'unmappable')
          throw fail(p, s.line, `${text} ${c.why}, so it has no image for the other architectures; use a Linux base image`);
        if (filesOnly.has(s.index) && (mode === 'literal' || ref.digest !== null)) plans.push(plan('pinned', ref));
        else if (ref.digest !== null) throw digestError(p, s, ref, c);
        else plans.push(plan(c.kind, ref));
      }
    }
    if (s.name) earlier.set(s.name.toLowerCase(), s.index);
  }
  checkLastStage(p, plans);
  return plans;
}

/**
 * Stages that only hold files for others to copy: some COPY --from or RUN --mount=from names them,
 * they run no RUN, are not the last stage, and no later stage is built FROM them (by name or, after
 * ARG expansion, by a name an ARG gives).
 */
function filesOnlyStages(p: ParsedDockerfile): Set<number> {
  const builtOn = new Set<string>();
  for (const s of p.stages) {
    const r = resolveImage(p, s);
    builtOn.add(('text' in r ? r.text : s.image.raw).toLowerCase());
  }
  const copied = new Set(p.fromReferences.map((r) => r.value.toLowerCase()));
  const names = (s: Stage) => (s.name ? [s.name.toLowerCase(), String(s.index)] : [String(s.index)]);
  const last = p.stages.length - 1;
  return new Set(
    p.stages
      .filter((s) => !s.runs && s.index !== last && names(s).some((n) => copied.has(n)) && !(s.name && builtOn.has(s.name.toLowerCase())))
      .map((s) => s.index),
  );
}

/**
 * The last stage is the image every arch's build pushes. If it runs on the build platform, each
 * arch's tag holds the builder's own arch, and nothing fails until a Pi pulls it. Earlier
 * stages may run natively: that is what cross-compilation is for.
 */
function checkLastStage(p: ParsedDockerfile, plans: StagePlan[]): void {
  const last = plans[plans.length - 1];
  if (!last.native) return;
  if (last.base === null) {
    throw fail(
      p,
      last.stage.line,
      `the last stage is the image each arch pushes, but --platform=${last.platformFlag!.value} makes ` +
        `it the builder's arch in every tag; drop the flag from the last stage (a $BUILDPLATFORM stage ` +
        `belongs before it, with the last stage copying its output)`,
    );
  }
  const from = plans[last.base];
  let origin = from;
  while (origin.base !== null) origin = plans[origin.base];
  const via = origin === from ? '' : `, which comes from ${origin.stage.name}`;
  throw fail(
    p,
    last.stage.line,
    `the last stage is the image each arch pushes, but it is built FROM ${from.stage.name}${via}, a ` +
      `stage that runs on the build platform (--platform=${origin.platformFlag!.value}, line ` +
      `${origin.stage.line}), so every arch's tag would hold the builder's arch; make the last stage ` +
      `FROM a base of the target platform (such as alpine or scratch) and COPY ` +
      `--from=${from.stage.name} what it needs`,
  );
}

/**
 * A digest names one manifest. For an official image it is the amd64 image or the
 * multi-arch index of `library/<name>`; neither exists under `arm64v8/<name>`. For any other
 * image it may be a single-arch image that `--platform` cannot turn into another arch. So a
 * digest is refused, with or without a tag: Docker ignores the tag when a digest is given.
 */
function digestError(p: ParsedDockerfile, s: Stage, ref: ImageRef, c: Classification): UserError {
  const noDigest = ref.text.slice(0, ref.text.indexOf('@'));
  const fix =
    c.kind === 'official'
      ? `drop the digest (FROM ${noDigest}), since each arch's Dockerfile uses that arch's own image ` +
        `(<arch>/${c.image}), which this digest does not name`
      : `drop the digest (FROM ${noDigest}) so each arch's Dockerfile can select its platform`;
  return fail(p, s.line, `${ref.text} is pinned by digest, which names a single image and so one architecture; ${fix}`);
}
