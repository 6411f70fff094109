/**
 * 6. Strategies: the same Dockerfile (examples/cross: a $BUILDPLATFORM stage and a RUN under
 * QEMU) and the same 4 archs, built as Docker Hub would run the rules of each strategy:
 * - per-arch: 4 build rules, each pre_build, hooks/build, `docker push`, post_push (publisher
 *   docker), all one after another (sequential) and all at once (parallel), on the test bed's
 *   engine with the classic image store (like a Docker Hub builder);
 * - buildx: 1 build rule, pre_build, hooks/build (one `docker buildx build --push` of every
 *   platform), hooks/push, on an engine with the containerd image store (its docker driver pushes
 *   a multi-platform list; on Docker Hub the hook makes a docker-container builder instead).
 * Each run is a new commit of the same repository, so a reader polling `:latest` (every 100 ms,
 * straight to the registry) sees the previous commit's list being replaced; the per-arch tags
 * are polled too. Registry requests are counted by the proxy the rules push through. The build
 * cache of both engines is pruned before each run, so no run reuses the last one's RUN steps.
 */
import path from 'node:path';
import { ARCHES } from '../../src/arch.js';
import { startEngine } from '../../test/support/engine.js';
import { hookEnv, hubBuildEnv } from '../../test/support/env.js';
import { startFaultProxy, type ProxiedRequest } from '../../test/support/fault-proxy.js';
import { runOk } from '../../test/support/proc.js';
import { getManifest, REVISION_LABEL } from '../lib/images.js';
import type { Infra } from '../lib/infra.js';
import { repeat, stat, timed } from '../lib/measure.js';
import { row, type Row } from '../lib/report.js';
import { exampleRepo, generate, git, ruleDockerfile } from '../lib/repos.js';
import { breakdown } from './publish.js';

const SECTION = '6 strategies: 4 per-arch rules vs 1 buildx rule (examples/cross, 4 archs, local registry via counting proxy)';
const ARCH_NAMES = ARCHES.slice(0, 4).map((a) => a.name);

export interface StrategyOptions {
  runs: number;
  warmups: number;
}

/** What a reader of the tags saw while the rules ran. */
interface Reading {
  /** `:latest` was: the previous commit's whole list, this commit's, anything else, or nothing. */
  list: { old: number; new: number; other: number; none: number };
  /** Observations where the per-arch tags named images of more than one commit. */
  archTagsMixed: number;
  polls: number;
}

interface Sample {
  seconds: number;
  requests: ProxiedRequest[];
  reading: Reading;
}

/** The revision label of the image `repo@digest` (cached: a digest never changes). */
async function revisionOf(host: string, repo: string, digest: string, cache: Map<string, string>): Promise<string> {
  const known = cache.get(digest);
  if (known !== undefined) return known;
  const m = await getManifest(host, repo, digest);
  let rev = '';
  if (m?.manifest.config) {
    const cfg = (await (await fetch(`http://${host}/v2/${repo}/blobs/${m.manifest.config.digest}`)).json()) as {
      config?: { Labels?: Record<string, string> };
    };
    rev = cfg.config?.Labels?.[REVISION_LABEL] ?? '';
  }
  cache.set(digest, rev);
  return rev;
}

/** Polls `repo:latest` and the per-arch tags until `done()`, classifying each observation. */
async function watch(host: string, repo: string, oldSha: string, newSha: string, done: () => boolean): Promise<Reading> {
  const cache = new Map<string, string>();
  const r: Reading = { list: { old: 0, new: 0, other: 0, none: 0 }, archTagsMixed: 0, polls: 0 };
  while (!done()) {
    r.polls++;
    const list = await getManifest(host, repo, 'latest');
    if (!list?.manifest.manifests) r.list.none++;
    else {
      const revs = await Promise.all(list.manifest.manifests.map((e) => revisionOf(host, repo, e.digest, cache)));
      const one = new Set(revs);
      const whole = revs.length === ARCH_NAMES.length && one.size === 1;
      if (whole && one.has(oldSha)) r.list.old++;
      else if (whole && one.has(newSha)) r.list.new++;
      else r.list.other++;
    }
    const tags = await Promise.all(ARCH_NAMES.map((a) => getManifest(host, repo, a)));
    const tagRevs = await Promise.all(tags.map((t) => (t ? revisionOf(host, repo, t.digest, cache) : Promise.resolve(''))));
    if (new Set(tagRevs).size > 1) r.archTagsMixed++;
    await new Promise((res) => setTimeout(res, 100));
  }
  return r;
}

export async function strategies(infra: Infra, o: StrategyOptions): Promise<Row[]> {
  const host = infra.registry.host;
  const proxy = await startFaultProxy(host);
  const containerd = await startEngine({ containerdStore: true, mirror: infra.registry.url });
  try {
    const make = (strategy: string) => {
      const repo = exampleRepo('cross');
      generate(repo.dir, [
        '--repo',
        `bench/strategy-${strategy}`,
        '--arch',
        ARCH_NAMES.join(','),
        '--publisher',
        'docker',
        '--strategy',
        strategy,
      ]);
      git(repo.dir, 'add', '-A');
      git(repo.dir, 'commit', '-q', '-m', 'hooks');
      return repo.dir;
    };
    const perArchDir = make('per-arch');
    const buildxDir = make('buildx');

    /** One strategy's rules for a new commit; `rules` run them. */
    const measure = (
      dir: string,
      repoPath: string,
      engineHost: string,
      rules: (env: (tag: string, file: string) => NodeJS.ProcessEnv) => Promise<void>,
    ) => {
      let previous = '';
      return async (): Promise<Sample> => {
        git(dir, 'commit', '-q', '--allow-empty', '-m', 'next build');
        const sha = git(dir, 'rev-parse', 'HEAD');
        await runOk(infra.docker, ['builder', 'prune', '-af'], { env: { ...process.env, DOCKER_HOST: engineHost } });
        const env = (tag: string, file: string) => ({
          ...hookEnv(),
          DOCKER_HOST: engineHost,
          MULTIARCH_PUBLISHER: 'docker',
          ...hubBuildEnv({ registryHost: proxy.host, repo: repoPath, tag, dockerfilePath: file, sourceCommit: sha }),
        });
        proxy.resetCounts();
        let done = false;
        const reader = watch(host, repoPath, previous, sha, () => done);
        const t0 = Date.now();
        try {
          await rules(env);
        } finally {
          done = true;
        }
        const seconds = (Date.now() - t0) / 1000;
        const requests = [...proxy.requests];
        const reading = await reader;
        previous = sha;
        return { seconds, requests, reading };
      };
    };
    const hook = async (dir: string, name: string, env: NodeJS.ProcessEnv) => {
      const t = await timed(path.join(dir, 'hooks', name), [], { cwd: dir, env });
      if (t.code !== 0) throw new Error(`hooks/${name} exited ${t.code}: ${t.stderr.slice(-800)}`);
    };
    const perArchRule = async (arch: string, env: (tag: string, file: string) => NodeJS.ProcessEnv) => {
      const e = env(arch, ruleDockerfile(perArchDir, arch));
      await hook(perArchDir, 'pre_build', e);
      await hook(perArchDir, 'build', e);
      const push = await timed('docker', ['push', e.IMAGE_NAME!], { cwd: perArchDir, env: e });
      if (push.code !== 0) throw new Error(`docker push ${e.IMAGE_NAME} exited ${push.code}: ${push.stderr.slice(-800)}`);
      await hook(perArchDir, 'post_push', e);
    };
    const engineHost = process.env.CMH_DOCKER_HOST!;
    const seq = measure(perArchDir, 'bench/strategy-per-arch-seq', engineHost, async (env) => {
      for (const a of ARCH_NAMES) await perArchRule(a, env);
    });
    const par = measure(perArchDir, 'bench/strategy-per-arch-par', engineHost, async (env) => {
      await Promise.all(ARCH_NAMES.map((a) => perArchRule(a, env)));
    });
    const buildx = measure(buildxDir, 'bench/strategy-buildx', containerd.host, async (env) => {
      const e = env('latest', 'Dockerfile');
      for (const h of ['pre_build', 'build', 'push']) await hook(buildxDir, h, e);
    });
    const samples = { seq: [] as Sample[], par: [] as Sample[], buildx: [] as Sample[] };
    // Interleaved, so a busy spell of the machine falls on all three alike.
    await repeat(
      o.runs,
      o.warmups,
      () => undefined,
      async (_, i) => {
        const s = { seq: await seq(), par: await par(), buildx: await buildx() };
        if (i >= o.warmups) for (const k of ['seq', 'par', 'buildx'] as const) samples[k].push(s[k]);
      },
    );

    const wall = (k: keyof typeof samples) => stat(samples[k].map((s) => s.seconds));
    const reqs = (k: keyof typeof samples) => stat(samples[k].map((s) => s.requests.length));
    /** Observations of `:latest` that were not one commit's whole list, and what every observation was. */
    const read = (k: keyof typeof samples) => {
      const t = samples[k].reduce(
        (a, s) => ({
          old: a.old + s.reading.list.old,
          new: a.new + s.reading.list.new,
          other: a.other + s.reading.list.other,
          none: a.none + s.reading.list.none,
          mixed: a.mixed + s.reading.archTagsMixed,
          polls: a.polls + s.reading.polls,
        }),
        { old: 0, new: 0, other: 0, none: 0, mixed: 0, polls: 0 },
      );
      return {
        notWhole: t.other + t.none,
        note:
          `${t.polls} polls of :latest over all runs: ${t.old} the previous commit's whole list, ${t.new} ` +
          `the new commit's, ${t.other} anything else, ${t.none} nothing; the ${ARCH_NAMES.length} ` +
          `per-arch tags named images of different commits in ${t.mixed} polls`,
      };
    };
    const buildxWhat = '1 buildx rule (pre_build, build, push)';
    return [
      row({
        section: SECTION,
        measure: 'per-arch, 4 rules one after another: wall',
        unit: 's',
        value: wall('seq'),
        vs: { what: buildxWhat, value: wall('buildx') },
      }),
      row({
        section: SECTION,
        measure: 'per-arch, 4 rules at once: wall',
        unit: 's',
        value: wall('par'),
        vs: { what: buildxWhat, value: wall('buildx') },
        note: 'all 4 rules on one 2-core machine; on Docker Hub each rule has a builder of its own',
      }),
      row({
        section: SECTION,
        measure: 'per-arch, 4 rules one after another: registry requests',
        unit: 'count',
        value: reqs('seq'),
        vs: { what: buildxWhat, value: reqs('buildx') },
        note: `per-arch: ${breakdown(samples.seq[0]!.requests)} | buildx: ${breakdown(samples.buildx[0]!.requests)}`,
      }),
      row({
        section: SECTION,
        measure: 'per-arch, 4 rules at once: registry requests',
        unit: 'count',
        value: reqs('par'),
        vs: { what: buildxWhat, value: reqs('buildx') },
      }),
      ...(['seq', 'par', 'buildx'] as const).map((k) =>
        row({
          section: SECTION,
          measure:
            `${{ seq: 'per-arch, one after another', par: 'per-arch, at once', buildx: 'buildx' }[k]}: polls ` +
            `of :latest not one commit's whole list`,
          unit: 'count',
          value: read(k).notWhole,
          note: read(k).note,
        }),
      ),
    ];
  } finally {
    await containerd.stop();
    await proxy.stop();
  }
}
