/**
 * Asks Docker Hub's registry API (HEAD, anonymous token) whether the official twins exist: all at
 * once and within a few seconds; a Hub that cannot be reached is a warning, not an error. Part of
 * the read step (read.ts): what it answers feeds the plan once.
 */
import { UserError } from '../errors.js';
import { DeadlineError, RegistryClient, UnreachableError } from '../registry/client.js';
import { ACCEPT_ANY } from '../registry/manifest.js';
import { DOCKER_HUB } from '../registry/reference.js';
import type { Twin, TwinCheck } from './twins.js';

/** The whole check may take this long; then it gives up with a warning. */
export const TWIN_CHECK_DEADLINE_MS = 5000;

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
