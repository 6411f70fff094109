/**
 * Do the official images the per-arch Dockerfiles name exist? `debian:bookworm-slim` becomes
 * `arm32v6/debian:bookworm-slim` in Dockerfile.arm32v6, but not every official image publishes
 * every arch (debian has no arm32v6, debian:bookworm no riscv64), and such a Dockerfile only
 * fails on Docker Hub hours later. Asked of Docker Hub's registry API (HEAD, anonymous token),
 * all at once and within a few seconds; a Hub that cannot be reached is a warning, not an error.
 */
import { relative } from 'node:path';
import { NATIVE_ARCH, sortArches } from '../arch.js';
import { officialImages } from '../dockerfile/index.js';
import { UserError } from '../errors.js';
import { DeadlineError, RegistryClient, UnreachableError } from '../registry/client.js';
import { ACCEPT_ANY } from '../registry/manifest.js';
import { DOCKER_HUB } from '../registry/reference.js';
import type { RepoState } from './repo.js';

/** One arch's twin of one official base: `arm32v6/debian:bookworm-slim` for `debian:bookworm-slim`. */
export interface Twin {
  arch: string;
  /** The base as the user's Dockerfile resolves it, without registry or prefix: `debian:bookworm-slim`. */
  base: string;
  repository: string;
  tag: string;
  /** `arm32v6/debian:bookworm-slim`, as it appears in Dockerfile.arm32v6. */
  ref: string;
}

/** The whole check may take this long; then it gives up with a warning. */
export const TWIN_CHECK_DEADLINE_MS = 5000;

/** Every official twin the Dockerfiles of `arches` name (the native arch keeps the user's Dockerfile). */
export function officialTwins(repo: RepoState, arches: readonly string[]): Twin[] {
  const official = officialImages(repo.dockerfileSource, relative(repo.root, repo.dockerfilePath) || repo.dockerfilePath);
  const twins: Twin[] = [];
  for (const b of official) {
    const image = b.name.split('/').pop()!;
    const tag = b.tag ?? 'latest';
    for (const a of sortArches(arches)) {
      if (a.name === NATIVE_ARCH) continue;
      const repository = `${a.name}/${image}`;
      const ref = `${repository}:${tag}`;
      if (!twins.some((t) => t.ref === ref)) twins.push({ arch: a.name, base: `${image}:${tag}`, repository, tag, ref });
    }
  }
  return twins;
}

export type TwinCheck = { missing: Set<string> } | { unchecked: string };

/**
 * Asks the registry for each twin, concurrently, within TWIN_CHECK_DEADLINE_MS. Returns the refs
 * that do not exist, or why nothing could be said (network, DNS, timeout, an odd answer).
 */
export async function checkTwins(twins: readonly Twin[], env: NodeJS.ProcessEnv): Promise<TwinCheck> {
  // Test hook: CMH_DOCKER_HUB_REGISTRY=127.0.0.1:PORT asks a local registry (loopback: plain
  // HTTP) instead of Docker Hub, so that no test reaches the real Hub.
  const registry = env.CMH_DOCKER_HUB_REGISTRY || DOCKER_HUB;
  const where = registry === DOCKER_HUB ? 'Docker Hub' : registry;
  if (twins.length === 0) return { missing: new Set() };
  const repositories = [...new Set(twins.map((t) => t.repository))];
  try {
    const results = await Promise.all(
      repositories.map((repository) => {
        // One client per repository: Docker Hub's anonymous tokens are scoped to one repository.
        const client = new RegistryClient({
          registry,
          repository,
          insecure: false,
          env,
          anonymous: true,
          deadlineMs: TWIN_CHECK_DEADLINE_MS,
          retries: 1,
          retryDelayMs: 250,
          timeoutMs: 4000,
        });
        const tags = [...new Set(twins.filter((t) => t.repository === repository).map((t) => t.tag))];
        return Promise.all(
          tags.map(async (tag) => ({ ref: `${repository}:${tag}`, status: await client.manifestStatus(tag, ACCEPT_ANY) })),
        );
      }),
    );
    const missing = new Set<string>();
    for (const { ref, status } of results.flat()) {
      if (status === 200) continue;
      // Docker Hub answers an anonymous request for a repository that does not exist with 401
      // rather than 404 (distribution/distribution#1291); the arch namespaces are all public.
      if (status === 404 || status === 401 || status === 403) missing.add(ref);
      else return { unchecked: `${where} answered ${status} for ${ref}` };
    }
    return { missing };
  } catch (e) {
    if (e instanceof DeadlineError) return { unchecked: `${where} gave no answer within ${TWIN_CHECK_DEADLINE_MS / 1000} s` };
    if (e instanceof UnreachableError)
      return { unchecked: `${where} could not be reached: ${(e.cause as Error | undefined)?.message ?? e.message}` };
    if (e instanceof UserError) return { unchecked: e.message.replace(/[.;].*$/s, '') };
    throw e;
  }
}

/**
 * What to do with the twins found missing: nothing; drop arches that only came from the default
 * set (returns them and the notice to show); or, for arches the user chose, a UserError.
 */
export function judgeTwins(
  twins: readonly Twin[],
  missing: ReadonlySet<string>,
  arches: readonly string[],
  defaultArches: boolean,
): { arches: string[]; notice?: string } {
  const gone = twins.filter((t) => missing.has(t.ref));
  if (gone.length === 0) return { arches: [...arches] };
  const goneArches = sortArches(gone.map((t) => t.arch)).map((a) => a.name);
  const keep = arches.filter((a) => !goneArches.includes(a));
  const refs = gone.map((t) => t.ref);
  const bases = [...new Set(gone.map((t) => t.base))];
  const why = bases
    .map(
      (b) =>
        `${b} has no ${sortArches(gone.filter((t) => t.base === b).map((t) => t.arch))
          .map((a) => a.name)
          .join(', ')} image`,
    )
    .join('; ');
  const fact = `${refs.join(', ')} ${refs.length > 1 ? 'do' : 'does'} not exist on Docker Hub (${why})`;
  if (defaultArches && keep.length > 1) {
    return {
      arches: keep,
      notice: `left out ${goneArches.join(', ')}: ${fact}; building ${keep.join(', ')} (choose others with --arch).`,
    };
  }
  const other = keep.length > 1 ? `choose other architectures with --arch ${keep.join(',')}, or ` : 'choose ';
  throw new UserError(`${fact}: ${other}a base image that has ${goneArches.join(', ')}.`);
}
