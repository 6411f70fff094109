import type { Arch } from '../arch.js';
import { checkFromImages, imagesCopiedFrom } from './from-images.js';
import { isDockerHub } from './image-ref.js';
import { checkNative } from './native.js';
import { parseDockerfile } from './parse.js';
import { rewrite, type RewriteOptions, type RewriteResult } from './rewrite.js';
import { type BaseKind, planStages } from './stages.js';

export { buildkitOnly, buildkitSummary, type BuildkitNeed } from './buildkit.js';
export type { RewriteOptions, RewriteResult } from './rewrite.js';

export type { BaseKind } from './stages.js';

/**
 * The Dockerfile for `arch`: official bases become the arch's prefixed twin, others get
 * `FROM --platform=`; official images in `COPY --from=` and `RUN --mount=from=` of the stages
 * that run on the target platform become the twin too (other images there are kept, with a
 * warning); with `--qemu copy` the static emulator is copied into each emulated stage.
 * `displayPath` names the file in messages and in the generated header.
 * Throws UserError (one sentence naming the fix) for input that cannot be rewritten.
 */
export function rewriteDockerfile(source: string, displayPath: string, arch: Arch, opts: RewriteOptions): RewriteResult {
  return rewrite(parseDockerfile(source, displayPath), arch, opts);
}

/**
 * Checks the user's own Dockerfile, which builds `nativeArch`'s tag unchanged: throws UserError
 * when a stage that runs on the target platform uses another arch's official image
 * (`arm32v7/alpine`, in FROM or COPY --from) or a literal FROM --platform of another platform.
 */
export function checkNativeDockerfile(source: string, displayPath: string, nativeArch: Arch): void {
  checkNative(parseDockerfile(source, displayPath), nativeArch);
}

export interface BaseImage {
  /** 1-based line of the FROM. */
  line: number;
  /** The stage's `AS` name, or null. */
  stage: string | null;
  kind: BaseKind;
  /** The image after ARG expansion (`alpine:3.20`); for kind 'stage' the stage referred to. */
  reference: string;
  /** `docker.io` for Docker Hub images (written or not), else the registry as written; null for scratch and stages. */
  registry: string | null;
  /** The repository path as written, without registry (`alpine`, `library/alpine`, `acme/base`). */
  name: string | null;
  tag: string | null;
  digest: string | null;
}

/**
 * Each stage's base image, resolved. Runs the same checks as rewriteDockerfile (throws the
 * same UserErrors), so the generator can validate before it writes anything. A
 * `--platform=$BUILDPLATFORM` stage is not checked; its fields are null when its image cannot
 * be resolved statically.
 */
export function describeBases(source: string, displayPath: string): BaseImage[] {
  const p = parseDockerfile(source, displayPath);
  const plans = planStages(p);
  checkFromImages(p, imagesCopiedFrom(p, plans));
  return plans.map(({ stage, kind, resolved, ref }) => ({
    line: stage.line,
    stage: stage.name,
    kind,
    reference: resolved?.text || stage.image.raw,
    registry: ref ? (isDockerHub(ref) ? 'docker.io' : ref.registry) : null,
    name: ref?.path ?? null,
    tag: ref?.tag ?? null,
    digest: ref?.digest ?? null,
  }));
}

/**
 * Every official image the per-arch Dockerfiles turn into an arch twin, as `{ name, tag }`
 * (`{ name: 'debian', tag: 'bookworm-slim' }`): the bases of target-platform stages, and the
 * images their `COPY --from=` / `RUN --mount=from=` name. One parse, with describeBases' checks.
 */
export function officialImages(source: string, displayPath: string): { name: string; tag: string | null }[] {
  const p = parseDockerfile(source, displayPath);
  const plans = planStages(p);
  const copied = imagesCopiedFrom(p, plans);
  checkFromImages(p, copied);
  return [
    ...plans.flatMap(({ kind, ref }) => (kind === 'official' && ref ? [{ name: ref.path, tag: ref.tag }] : [])),
    ...copied.flatMap((i) => (i.kind === 'official' ? [{ name: i.image, tag: i.ref.tag }] : [])),
  ];
}

export { perArchReasons } from './per-arch.js';
