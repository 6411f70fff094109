/**
 * 5. Hook overhead: what pre_build and post_push (and the build hook's extras) add to one build
 * rule, native and emulated, against the same rule without hooks (Docker Hub's default
 * `docker build -f $DOCKERFILE_PATH -t $IMAGE_NAME .` and `docker push $IMAGE_NAME`).
 * Two archs are generated; per run the native rule goes first (its post_push finds the emulated
 * image missing and only says so), the emulated one last (its post_push publishes the list).
 */
import path from 'node:path';
import { NATIVE_ARCH } from '../../src/arch.js';
import { hubBuildEnv, hookEnv } from '../../test/support/env.js';
import { getManifest } from '../lib/images.js';
import type { Infra } from '../lib/infra.js';
import { repeat, stat, timed } from '../lib/measure.js';
import { row, type Row } from '../lib/report.js';
import { exampleRepo, generate, ruleDockerfile } from '../lib/repos.js';

const SECTION = "5 hook overhead per build rule (examples/hello, the test bed's Docker engine, local registry)";
export const EMULATED = 'arm64v8';

export interface HookOptions {
  runs: number;
  warmups: number;
}

interface RuleTimes {
  plainBuild: number;
  plainPush: number;
  preBuild: number;
  buildHook: number;
  push: number;
  postPush: number;
}

export async function hookOverhead(infra: Infra, o: HookOptions): Promise<Row[]> {
  const host = infra.registry.host;
  const arches = [NATIVE_ARCH, EMULATED];
  const repo = exampleRepo();
  generate(repo.dir, ['--repo', 'bench/hooks', '--arch', arches.join(','), '--publisher', 'docker']);
  const base = { ...hookEnv(), MULTIARCH_PUBLISHER: 'docker' };
  const hook = (name: string, env: NodeJS.ProcessEnv) => timed(path.join(repo.dir, 'hooks', name), [], { cwd: repo.dir, env });

  const oneRun = async (_: undefined, i: number): Promise<Record<string, RuleTimes>> => {
    const out: Record<string, RuleTimes> = {};
    for (const a of arches) {
      const file = ruleDockerfile(repo.dir, a);
      const plainHub = hubBuildEnv({ registryHost: host, repo: `bench/plain-${i}`, tag: a, dockerfilePath: file, sourceCommit: repo.sha });
      const env = { ...base, ...plainHub };
      const plain = async () => ({
        plainBuild: (await timed('docker', ['build', '-f', file, '-t', plainHub.IMAGE_NAME!, '.'], { cwd: repo.dir, env })).seconds,
        plainPush: (await timed('docker', ['push', plainHub.IMAGE_NAME!], { cwd: repo.dir, env })).seconds,
      });
      const hub = hubBuildEnv({ registryHost: host, repo: `bench/hooks-${i}`, tag: a, dockerfilePath: file, sourceCommit: repo.sha });
      const henv = { ...base, ...hub };
      const hooked = async () => ({
        preBuild: (await hook('pre_build', henv)).seconds,
        buildHook: (await hook('build', henv)).seconds,
        push: (await timed('docker', ['push', hub.IMAGE_NAME!], { cwd: repo.dir, env: henv })).seconds,
        postPush: (await hook('post_push', henv)).seconds,
      });
      // Which goes first alternates from run to run, so neither always meets a cold or warm spell.
      if (i % 2 === 0) out[a] = { ...(await plain()), ...(await hooked()) };
      else out[a] = { ...(await hooked()), ...(await plain()) };
    }
    const list = await getManifest(host, `bench/hooks-${i}`, 'latest');
    if ((list?.manifest.manifests ?? []).length !== arches.length) {
      throw new Error(`after both rules, bench/hooks-${i}:latest is not a list of ${arches.length} images`);
    }
    return out;
  };
  const runs = await repeat(o.runs, o.warmups, () => undefined, oneRun);

  const rows: Row[] = [];
  for (const a of arches) {
    const s = (f: (t: RuleTimes) => number) => stat(runs.map((r) => f(r[a]!)));
    const plainRule = s((t) => t.plainBuild + t.plainPush);
    const kind = a === NATIVE_ARCH ? 'native' : 'emulated';
    const postWhat = a === NATIVE_ARCH ? `first rule: ${EMULATED} not pushed yet, it only says so` : 'last rule: publishes the list';
    rows.push(
      row({
        section: SECTION,
        measure: `${a} (${kind}): pre_build`,
        unit: 's',
        value: s((t) => t.preBuild),
        vs: { what: 'the rule without hooks (build + push)', value: plainRule },
        note: a === NATIVE_ARCH ? undefined : 'QEMU handlers already registered (F flag) on this machine: pre_build only checks them',
      }),
      row({
        section: SECTION,
        measure: `${a} (${kind}): post_push (${postWhat})`,
        unit: 's',
        value: s((t) => t.postPush),
        vs: { what: 'the rule without hooks (build + push)', value: plainRule },
      }),
      row({
        section: SECTION,
        measure: `${a} (${kind}): hooks/build`,
        unit: 's',
        value: s((t) => t.buildHook),
        vs: { what: 'docker build -f $DOCKERFILE_PATH -t $IMAGE_NAME .', value: s((t) => t.plainBuild) },
      }),
      row({
        section: SECTION,
        measure: `${a} (${kind}): whole rule with hooks (pre_build, build, push, post_push)`,
        unit: 's',
        value: s((t) => t.preBuild + t.buildHook + t.push + t.postPush),
        vs: { what: 'the rule without hooks (build + push)', value: plainRule },
      }),
    );
  }
  return rows;
}
