// The race between two commits' post_push: commit B's images land, and B's post_push publishes,
// while commit A's post_push is writing its list. A test-only `docker` wrapper holds A's
// `docker manifest push` (before or after it runs) until the test has pushed B's images and run
// B's post_push, so the interleaving happens every time. The last writer must never leave the
// list at the older commit.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import { cleanupTemps, hubBuildEnv, SPY_DIR, hookEnv, tmpDir } from '../support/env.js';
import { sleep } from '../support/proc.js';
import { hookConfig, putImage, readList, runHook, tagImage, uniqueRepo, writeHooks, type HookRun } from './support.js';

const host = inject('registry');
const A = 'aaaa'.repeat(10);
const B = 'bbbb'.repeat(10);
afterAll(() => cleanupTemps());

function env(repo: string, archName: string, sha: string): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo, tag: archName, dockerfilePath: '', sourceCommit: sha }),
      MULTIARCH_RETRY_DELAY: '0.01',
    },
  });
}

type Hold = 'before' | 'after';
interface Holder {
  dir: string;
  /** Appears when the Nth (from 1) `docker manifest push` is held. */
  ready(n: number): string;
  /** Create it to let the Nth push go on. */
  go(n: number): string;
}

/**
 * A `docker` whose Nth `docker manifest <command>` (push by default; `holds[N-1]` = before: ahead
 * of it; after: once it is done) creates `ready-N` and waits (at most 60 s) for `go-N`.
 */
function holdingDocker(holds: Hold[], command = 'push'): Holder {
  const dir = tmpDir('cmh-race-');
  const hold = (n: number) => `touch '${dir}/ready-${n}'; for _ in $(seq 600); do [ -e '${dir}/go-${n}' ] && break; sleep 0.1; done`;
  const cases = holds
    .map((when, i) =>
      when === 'before'
        ? `    ${i + 1}) ${hold(i + 1)}; exec '${SPY_DIR}/docker' "$@" ;;`
        : `    ${i + 1}) '${SPY_DIR}/docker' "$@"; rc=$?; ${hold(i + 1)}; exit $rc ;;`,
    )
    .join('\n');
  fs.writeFileSync(
    path.join(dir, 'docker'),
    `#!/bin/bash
if [ "$1 $2" = "manifest ${command}" ]; then
  echo x >>'${dir}/pushes'
  case $(wc -l <'${dir}/pushes') in
${cases}
  esac
fi
exec '${SPY_DIR}/docker' "$@"
`,
    { mode: 0o755 },
  );
  return { dir, ready: (n) => path.join(dir, `ready-${n}`), go: (n) => path.join(dir, `go-${n}`) };
}

function held(e: NodeJS.ProcessEnv, holder: Holder): NodeJS.ProcessEnv {
  return { ...e, PATH: `${holder.dir}:${e.PATH}` };
}

async function waitForFile(file: string, ms: number): Promise<void> {
  for (let waited = 0; !fs.existsSync(file); waited += 50) {
    if (waited > ms) throw new Error(`${file} did not appear within ${ms} ms`);
    await sleep(50);
  }
}

/** Commit A's images at the arch tags, commit B's pushed untagged (staged); B's digests. */
async function twoCommits(repo: string): Promise<string[]> {
  const digestsB: string[] = [];
  for (const name of DEFAULT_ARCHES) {
    await putImage(host, repo, name, name, { revision: A });
    digestsB.push(await putImage(host, repo, `staged-b-${name}`, name, { revision: B }));
  }
  return digestsB;
}

/** Commit B's four builds push: its images take the arch tags. */
async function landB(repo: string, digestsB: string[]): Promise<void> {
  for (const [i, name] of DEFAULT_ARCHES.entries()) await tagImage(host, repo, digestsB[i]!, name);
}

async function race(when: Hold): Promise<{ a: HookRun; b: HookRun; repo: string; digestsB: string[] }> {
  const repo = uniqueRepo(`race-${when}`);
  const digestsB = await twoCommits(repo);
  const dir = writeHooks(tmpDir('cmh-race-repo-'), hookConfig({ publisher: 'docker' }));
  const hold = holdingDocker([when]);
  const runningA = runHook(dir, 'post_push', held(env(repo, 'arm64v8', A), hold));
  await waitForFile(hold.ready(1), 60_000);
  // Meanwhile: commit B's four builds push, and B's last post_push publishes.
  await landB(repo, digestsB);
  const b = await runHook(dir, 'post_push', env(repo, 'amd64', B));
  fs.writeFileSync(hold.go(1), '');
  const a = await runningA;
  return { a, b, repo, digestsB };
}

describe('two commits publishing at once', () => {
  it("B publishes while A's write is in flight, A's write lands last: A puts B's list back", async () => {
    const { a, b, repo, digestsB } = await race('before');
    expect(b.code, b.out).toBe(0);
    expect(b.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect(a.code, a.out).toBe(0);
    expect(a.stderr).toContain(`info: the arch images of ${host}/${repo}:latest changed while this build published it; looking again.`);
    expect(a.stderr).toContain(`info: meanwhile every image of ${host}/${repo}:latest became commit ${B}; publishing that list.`);
    expect(a.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect((await readList(host, repo, 'latest'))!.entries.map((e) => e.digest).sort()).toEqual([...digestsB].sort());
  });

  it("B publishes right after A's write, before A looks at its tag again: A publishes B's complete list", async () => {
    const { a, b, repo, digestsB } = await race('after');
    expect(b.code, b.out).toBe(0);
    expect(b.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect(a.code, a.out).toBe(0);
    expect(a.stderr).toContain(`info: the arch images of ${host}/${repo}:latest changed while this build published it; looking again.`);
    expect(a.stderr).toContain(`info: meanwhile every image of ${host}/${repo}:latest became commit ${B}; publishing that list.`);
    expect(a.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect((await readList(host, repo, 'latest'))!.entries.map((e) => e.digest).sort()).toEqual([...digestsB].sort());
  });

  it("A's write lands after B's write and after B checked the arch tags: A puts B's list back, both succeed", async () => {
    const repo = uniqueRepo('race-between');
    const digestsB = await twoCommits(repo);
    const dir = writeHooks(tmpDir('cmh-race-repo-'), hookConfig({ publisher: 'docker' }));
    const holdA = holdingDocker(['before', 'before']);
    const holdB = holdingDocker(['after']);
    const runningA = runHook(dir, 'post_push', held(env(repo, 'arm64v8', A), holdA));
    await waitForFile(holdA.ready(1), 60_000); // A saw every image at A and is about to write
    await landB(repo, digestsB);
    const runningB = runHook(dir, 'post_push', held(env(repo, 'amd64', B), holdB));
    await waitForFile(holdB.ready(1), 60_000); // B wrote its list
    fs.writeFileSync(holdA.go(1), '');
    await waitForFile(holdA.ready(2), 60_000); // A's list is written over B's; A is about to put B's back
    fs.writeFileSync(holdB.go(1), '');
    const b = await runningB;
    fs.writeFileSync(holdA.go(2), '');
    const a = await runningA;
    expect(b.code, b.out).toBe(0);
    expect(b.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    expect(b.stderr).not.toContain('error:');
    expect(a.code, a.out).toBe(0);
    expect(a.stderr).toContain(`info: meanwhile every image of ${host}/${repo}:latest became commit ${B}; publishing that list.`);
    expect((await readList(host, repo, 'latest'))!.entries.map((e) => e.digest).sort()).toEqual([...digestsB].sort());
  });

  it('three commits: X held before its push, Y publishes, Z lands on one arch: the list stays Y, X exits 0', async () => {
    const repo = uniqueRepo('race-three');
    const X = 'cccc'.repeat(10);
    const Z = 'dddd'.repeat(10);
    // Commit X at the arch tags; Y and Z pushed untagged (staged).
    const digestsY: string[] = [];
    for (const name of DEFAULT_ARCHES) {
      await putImage(host, repo, name, name, { revision: X });
      digestsY.push(await putImage(host, repo, `staged-y-${name}`, name, { revision: B }));
    }
    const zAmd64 = await putImage(host, repo, 'staged-z-amd64', 'amd64', { revision: Z });
    const dir = writeHooks(tmpDir('cmh-race-repo-'), hookConfig({ publisher: 'docker' }));
    // X's post_push saw every image at X; it is held as it starts to publish.
    const holdX = holdingDocker(['before'], 'create');
    const runningX = runHook(dir, 'post_push', held(env(repo, 'arm64v8', X), holdX));
    await waitForFile(holdX.ready(1), 60_000);
    await landB(repo, digestsY); // commit Y's four builds push ...
    const y = await runHook(dir, 'post_push', env(repo, 'amd64', B)); // ... and Y's last post_push publishes
    expect(y.code, y.out).toBe(0);
    expect(y.stderr).toContain(`published ${host}/${repo}:latest (commit ${B})`);
    await tagImage(host, repo, zAmd64, 'amd64'); // Z's amd64 build pushes
    fs.writeFileSync(holdX.go(1), '');
    const x = await runningX;
    expect(x.code, x.out).toBe(0);
    expect(x.stderr).toContain("another commit's builds are landing");
    expect(x.stderr).not.toContain(`published ${host}/${repo}:latest (commit ${X})`);
    expect((await readList(host, repo, 'latest'))!.entries.map((e) => e.digest).sort()).toEqual([...digestsY].sort());
  });
});
