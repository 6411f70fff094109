import type { Arch } from '../arch.js';
import { UserError } from '../errors.js';
import { classify, type ImageRef, officialTwin, parseImageRef, type TextEdit } from './image-ref.js';
import type { FromReference, ParsedDockerfile } from './parse.js';
import type { StagePlan } from './stages.js';

/**
 * An image named by `COPY --from=` or `RUN --mount=...,from=` in a stage that runs on the target
 * platform. Such an image is pulled like a base image but has no `--platform` of its own: the
 * classic builder takes the builder's arch, BuildKit the build's `--platform`. `unknown` is a
 * value we cannot read as a reference (a variable, quotes, an invalid name): it may name a stage
 * or an image.
 */
export type FromImage =
  | { kind: 'official'; at: FromReference; ref: ImageRef; image: string; prefix: string | null }
  | { kind: 'other'; at: FromReference }
  | { kind: 'unknown'; at: FromReference };

/**
 * The `--from` values of the target-platform stages that name an image: not a stage index, not a
 * stage name (Docker matches those case-insensitively; any stage of the file counts, so a name is
 * never mistaken for an image). Stages that run on the build platform are skipped: what they
 * copy is meant for the builder.
 */
export function imagesCopiedFrom(p: ParsedDockerfile, plans: StagePlan[]): FromImage[] {
  const stageNames = new Set(p.stages.flatMap((s) => (s.name ? [s.name.toLowerCase()] : [])));
  const out: FromImage[] = [];
  for (const at of p.fromReferences) {
    if (plans[at.stage].native || /^\d+$/.test(at.value) || stageNames.has(at.value.toLowerCase())) continue;
    // Reserved like in FROM: it names no image, so there is no twin to map it to.
    if (at.value === 'scratch') continue;
    const ref = /[$"']/.test(at.value) ? null : parseImageRef(at.value);
    if (!ref) {
      out.push({ kind: 'unknown', at });
      continue;
    }
    const c = classify(ref);
    out.push(c.kind === 'official' ? { kind: 'official', at, ref, image: c.image, prefix: c.prefix } : { kind: 'other', at });
  }
  return out;
}

/** `COPY --from=alpine` or `RUN --mount=from=alpine`, for messages. */
export function fromText(at: FromReference): string {
  return `${at.keyword} --${at.keyword === 'RUN' ? 'mount=from' : 'from'}=${at.value}`;
}

/**
 * A digest pin of an official image is refused as in FROM: the twin has no image of that
 * digest. Arch-independent, so describeBases can run it before anything is written.
 */
export function checkFromImages(p: ParsedDockerfile, images: FromImage[]): void {
  for (const f of images) {
    if (f.kind !== 'official' || f.ref.digest === null) continue;
    const noDigest = f.ref.text.slice(0, f.ref.text.indexOf('@'));
    throw new UserError(
      `${p.file} line ${f.at.line}: ${fromText(f.at)} is pinned by digest, which names a single image ` +
        `and so one architecture; drop the digest (--from=${noDigest}), since each arch's Dockerfile ` +
        `uses that arch's own image (<arch>/${f.image}), which this digest does not name.`,
    );
  }
}

/**
 * Each arch's Dockerfile copies from the arch's twin of an official image, exactly as its FROMs
 * use it, so the classic builder fetches the right arch too. Any other image is left as written
 * with a warning: COPY and RUN --mount take no `--platform`, and turning the image into an added
 * stage (which could carry one) would restructure the user's Dockerfile; the warning names that
 * fix instead.
 */
export function fromImageEdits(p: ParsedDockerfile, images: FromImage[], arch: Arch): { edits: TextEdit[]; warnings: string[] } {
  checkFromImages(p, images);
  const edits: TextEdit[] = [];
  const warnings: string[] = [];
  for (const f of images) {
    const where = `${p.file} line ${f.at.line}: ${fromText(f.at)}`;
    if (f.kind === 'official') {
      for (const e of officialTwin(f.ref, arch).edits) edits.push({ start: f.at.start + e.start, end: f.at.start + e.end, text: e.text });
    } else if (f.kind === 'other') {
      warnings.push(
        `${where} is not an official library image, so each arch's Dockerfile keeps it as written and ` +
          `the classic builder (DOCKER_BUILDKIT=0) takes the builder's own arch of it; to get each arch's ` +
          `files, add a stage FROM ${f.at.value} AS <name> and use --from=<name>.`,
      );
    } else {
      warnings.push(
        `${where} cannot be read as a stage name or an image by create-multiarch-hooks, so each arch's ` +
          `Dockerfile keeps it as written; write the stage name ` +
          `or image plainly if it should follow the arch.`,
      );
    }
  }
  return { edits, warnings };
}
