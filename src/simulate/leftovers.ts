/**
 * What a stopped run left in the registry: the run's arch tags and list tags, each with its
 * digest before the run and now, so the report tells "pushed by this run" from "was there before".
 */
import { RegistryClient } from '../registry/client.js';
import { digestOf } from '../registry/digest.js';
import { ACCEPT_ANY, MEDIA } from '../registry/manifest.js';
import type { RuleRun } from './rules.js';

export interface TagState {
  digest?: string;
  isList: boolean;
}
/** Tag -> its state, null when absent. */
export type Snapshot = Map<string, TagState | null>;

export function runTags(runs: readonly RuleRun[]): { archTags: string[]; listTags: string[] } {
  return { archTags: runs.map((r) => r.dockerTag), listTags: [...new Set(runs.map((r) => r.listTag))] };
}

/** `registry` is `host:port` or `docker.io`. Throws (UserError) when the registry cannot be read. */
export async function snapshot(registry: string, repository: string, tags: readonly string[], env: NodeJS.ProcessEnv): Promise<Snapshot> {
  const client = new RegistryClient({ registry, repository, insecure: false, env, retries: 1, retryDelayMs: 200, timeoutMs: 10_000 });
  const out: Snapshot = new Map();
  for (const tag of tags) {
    const m = await client.manifest(tag, ACCEPT_ANY);
    if (!m) {
      out.set(tag, null);
      continue;
    }
    const type = String(m.headers['content-type'] ?? '');
    const digest = typeof m.headers['docker-content-digest'] === 'string' ? m.headers['docker-content-digest'] : digestOf(m.body);
    out.set(tag, { digest, isList: type.includes(MEDIA.dockerList) || type.includes(MEDIA.ociIndex) });
  }
  return out;
}

function describe(
  tag: string,
  before: Snapshot | undefined,
  now: Snapshot,
): 'pushed by this run' | 'from an earlier run' | 'present' | 'absent' {
  const n = now.get(tag);
  if (!n) return 'absent';
  if (!before) return 'present';
  const b = before.get(tag);
  return b && b.digest === n.digest ? 'from an earlier run' : 'pushed by this run';
}

/** Lines for the report after Ctrl-C. `before` is undefined when the registry could not be read then. */
export function formatLeftovers(where: string, runs: readonly RuleRun[], before: Snapshot | undefined, now: Snapshot): string[] {
  const { archTags, listTags } = runTags(runs);
  const lines = [`Left in ${where}:`];
  for (const tag of archTags) lines.push(`  arch tag ${tag}: ${describe(tag, before, now)}`);
  for (const tag of listTags) {
    const state = describe(tag, before, now);
    const n = now.get(tag);
    const what =
      state === 'absent'
        ? 'not published'
        : n && !n.isList
          ? `${state}, but a single image, not a list`
          : state === 'pushed by this run'
            ? 'published by this run'
            : state;
    lines.push(`  list ${tag}: ${what}`);
  }
  return lines;
}
