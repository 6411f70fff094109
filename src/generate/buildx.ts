/**
 * `--strategy buildx`: one Docker Hub build rule per source builds the user's own Dockerfile for
 * every platform (hooks/build runs `docker buildx build --platform ... --push`), so no per-arch
 * Dockerfile and no post_push. What it generates, and the Dockerfiles it cannot serve.
 */
import { posix } from 'node:path';
import type { Arch } from '../arch.js';
import { perArchReasons } from '../dockerfile/index.js';
import { UserError } from '../errors.js';
import { renderBuildxHooks } from '../hooks/render-hooks.js';
import { PINS } from '../pins.js';
import { VERSION } from '../version.js';
import type { BuildRule } from '../record/index.js';
import { buildxRules } from './build-rules.js';
import type { Choices } from './choice-values.js';

/**
 * Refuses a Dockerfile one build cannot serve for every platform (an arch-prefixed base such as
 * `arm32v7/alpine`, a literal `FROM --platform=`): perArchReasons says why, per-arch works.
 */
export function checkBuildxDockerfile(source: string, dockerfileRel: string): void {
  const reasons = perArchReasons(source, dockerfileRel);
  if (reasons.length === 0) return;
  throw new UserError(
    `--strategy buildx builds ${dockerfileRel} unchanged for every platform, but ` +
      `${reasons.join('; ')}; use --strategy per-arch (its per-arch Dockerfiles replace that per ` +
      `arch), or make the base platform-neutral.`,
    2,
  );
}

/** The buildx strategy's rules and hooks (paths relative to the Dockerfile's folder). */
export function buildxFiles(o: {
  choices: Choices;
  arches: Arch[];
  /** The user's Dockerfile relative to the repo root, POSIX separators. */
  dockerfileRel: string;
}): { rules: BuildRule[]; hooks: { path: string; content: string }[] } {
  const rules = buildxRules({
    dockerfile: o.dockerfileRel,
    branch: o.choices.branch,
    tagRegex: o.choices.tagRegex,
    context: o.choices.context,
  });
  const hooks = renderBuildxHooks({
    version: VERSION,
    arches: o.arches,
    dockerfile: posix.basename(o.dockerfileRel),
    archTags: o.choices.archTags,
    pins: PINS,
  }).map((h) => ({ path: `hooks/${h.name}`, content: h.content }));
  return { rules, hooks };
}
