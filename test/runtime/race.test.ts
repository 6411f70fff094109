// The race between two commits' post_push: commit B's images land, and B's post_push publishes,
// while commit A's post_push is writing its list. A test-only `docker` wrapper holds A's
// `docker manifest push` (before or after it runs) until the test has pushed B's images and run
// B's post_push, so the interleaving happens every time. The last writer must never leave the
// list at the older commit.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import { cleanupTemps, hubBuildEnv, SHIM_DIR, shimEnv, tmpDir } from '../support/env.js';
import { sleep } from '../support/proc.js';
import { hookConfig, putImage, readList, runHook, tagImage, uniqueRepo, writeHooks, type HookRun } from './support.js';

const host = inject('registry');
const A = 'aaaa'.repeat(10);
const B = 'bbbb'.repeat(10);
afterAll(() => cleanupTemps());

function env(repo: string, archName: string, sha: string): NodeJS.ProcessEnv {
  return shimEnv({
    registryHost: host,
    extra: { ...hubBuildEnv({ registryHost: host, repo, tag: archName, dockerfilePath: '', sourceCommit: sha }), MULTIARCH_RETRY_DELAY: '0.01' },
  });
}

/**
 * A `docker` that, on the first `docker manifest push` (`when` = before: ahead of it; after: once
 * it is done), creates `ready` and waits (at most 60 s) for `go` before going on.
 */
function holdingDocker(when: 'before' | 'after'): { dir: string; ready: string; go: string } {
  const dir = tmpDir('cmh-race-');
  const ready = path.join(dir, 'ready');
  const go = path.join(dir, 'go');
  const hold = `touch '${ready}'; for _ in $(seq 600); do [ -e '${go}' ] && break; sleep 0.1; done`;
  fs.writeFileSync(
    path.join(dir, 'docker'),
    `#!/bin/bash
if [ "$1 $2" = "manifest push" ] && [ ! -e '${ready}' ]; then
  ${when === 'before' ? `${hold}\n  exec '${SHIM_DIR}/docker' "$@"` : `'${SHIM_DIR}/docker' "$@"; rc=$?\n  ${hold}\n  exit $rc`}
fi
exec '${SHIM_DIR}/docker' "$@"
`,
    { mode: 0o755 },
  );
  return { dir, ready, go };
}

async function waitForFile(file: string, ms: number): Promise<void> {
  for (let waited = 0; !fs.existsSync(file); waited += 50) {
    if (waited > ms) throw new Error(`${file} did not appear within ${ms} ms`);
    await sleep(50);
  }
}

async function race(when: 'before' | 'after'): Promise<{ a: HookRun; b: HookRun; repo: string; digestsB: string[] }> {
  const repo = uniqueRepo(`race-${when}`);
  const digestsB: string[] = [];
  for (const name of DEFAULT_ARCHES) {
    await putImage(host, repo, name, name, { revision: A });
    digestsB.push(await putImage(host, repo, `staged-b-${name}`, name, { revision: B }));
  }
  const dir = writeHooks(tmpDir('cmh-race-repo-'), hookConfig({ publisher: 'docker' }));
  const hold = holdingDocker(when);
  const envA = env(repo, 'arm64v8', A);
  envA.PATH = `${hold.dir}:${envA.PATH}`;
  const runningA = runHook(dir, 'post_push', envA);
  await waitForFile(hold.ready, 60_000);
  // Meanwhile: commit B's four builds push, and B's last post_push publishes.
  for (const [i, name] of DEFAULT_ARCHES.entries()) await tagImage(host, repo, digestsB[i]!, name);
  const b = await runHook(dir, 'post_push', env(repo, 'amd64', B));
  fs.writeFileSync(hold.go, '');
  const a = await runningA;
  return { a, b, repo, digestsB };
}

describe('two commits publishing at once', () => {
  it("B publishes while A's write is in flight, A's write lands last: A puts B's list back", async () => {
    const { a, b, repo, digestsB } = await race('before');
    expect(b.code, b.out).toBe(0);
    expect(b.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect(a.code, a.out).toBe(0);
    expect(a.stderr).toContain(`published ${host}/${repo}:latest (commit ${A})`);
    expect(a.stderr).toContain(`info: meanwhile every image of ${host}/${repo}:latest became commit ${B}; publishing that list.`);
    expect(a.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect((await readList(host, repo, 'latest'))!.entries.map((e) => e.digest).sort()).toEqual([...digestsB].sort());
  });

  it("B publishes right after A's write, before A reads it back: A accepts B's complete list", async () => {
    const { a, b, repo, digestsB } = await race('after');
    expect(b.code, b.out).toBe(0);
    expect(b.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect(a.code, a.out).toBe(0);
    expect(a.stderr).toContain(`info: ${host}/${repo}:latest was replaced meanwhile by the complete list of commit ${B}; leaving it.`);
    expect((await readList(host, repo, 'latest'))!.entries.map((e) => e.digest).sort()).toEqual([...digestsB].sort());
  });
});
