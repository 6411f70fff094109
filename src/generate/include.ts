import { UserError } from '../errors.js';
import { parseImageRef, resolveImageRef } from '../registry/reference.js';

/**
 * `--include IMAGE`: an image built elsewhere (a Windows image from a Windows runner) that every
 * published list also names, by digest, with the platform its own config states (os.version
 * included). The hooks and the pipeline resolve it when they publish, since it may be rebuilt.
 * It must be in the list's own repository: a list names its images by digest in that repository.
 */
export type IncludeRevision = 'same' | 'any';
export const INCLUDE_REVISIONS: readonly IncludeRevision[] = ['same', 'any'];

/** `acme/demo:windows-ltsc2022` as given (checked), for the record and the messages. */
export function validateInclude(value: string, repository: string): string {
  const text = value.trim();
  const parsed = parseImageRef(text);
  if (!parsed || (parsed.tag === null && parsed.digest === null)) {
    throw new UserError(`--include ${value} is not an image with a tag or digest; give one like ${repository}:windows-ltsc2022.`, 2);
  }
  const ref = resolveImageRef(text);
  const own = resolveImageRef(`${repository}:latest`);
  if (ref.registry !== own.registry || ref.repository !== own.repository) {
    throw new UserError(
      `--include ${value} is not in ${repository}; a list names images of its own repository by digest, so push that image as ${repository}:${ref.tag ?? 'TAG'} and include that.`,
      2,
    );
  }
  return text;
}

/** The part after the repository (`:windows-ltsc2022`, `@sha256:...`): what the hooks append to the repository they publish. */
export function includeSuffix(image: string): string {
  const ref = resolveImageRef(image);
  return ref.digest ? `@${ref.digest}` : `:${ref.tag}`;
}

export function validateIncludeRevision(value: string): IncludeRevision {
  if ((INCLUDE_REVISIONS as readonly string[]).includes(value)) return value as IncludeRevision;
  throw new UserError(
    `Unknown --include-revision "${value}"; use same (the included images carry the Linux images' revision label) or any.`,
    2,
  );
}
