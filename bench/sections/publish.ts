/**
 * 3. Publishing: the generated post_push of the LAST build rule (every arch image of the commit
 * is in the registry, so it publishes the list), against the real local registry through the
 * counting proxy; side by side with a bare `docker manifest create/annotate/push` of the same
 * list (the same docker CLI, the test bed's), and the protocol minimum (one existence check per
 * arch image plus one PUT of the list). post_push reads each arch tag with docker buildx imagetools
 * (digest and revision label; imagetools --format fetches manifest and config twice: 6 requests
 * per arch), all in parallel, then makes the list with `docker manifest create` (the default
 * publisher) from the arch tags (the check right before the write: ping, manifest and config per
 * arch), pushes it, and looks at its own arch tag once after the write (`docker manifest inspect
 * -v`: 3 requests). The breakdown row shows which requests are which.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ARCHES, platformString, type Arch } from '../../src/arch.js';
import { hubBuildEnv } from '../../test/support/env.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../../test/support/fault-proxy.js';
import { deleteTag, getManifest, pushArchImages } from '../lib/images.js';
import type { Infra } from '../lib/infra.js';
import { repeat, stat, timed } from '../lib/measure.js';
import { notMeasured, row, type Row } from '../lib/report.js';
import { exampleRepo, freshDir, generate, ruleDockerfile } from '../lib/repos.js';

const SECTION = '3 publishing the list (post_push of the last build rule; local registry via counting proxy)';
const LIST_TAG = 'latest';

export interface PublishOptions {
  runs: number;
  warmups: number;
}

interface Sample {
  seconds: number;
  requests: ProxiedRequest[];
}

/** `GET manifests x3, HEAD blobs x2, PUT manifests x1`: what a publish sent, by kind. */
export function breakdown(reqs: ProxiedRequest[]): string {
  const kinds = new Map<string, number>();
  for (const r of reqs) {
    const what = /\/manifests\//.test(r.path) ? 'manifests' : /\/blobs\//.test(r.path) ? 'blobs' : r.path.replace(/\?.*/, '');
    const k = `${r.method} ${what}`;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  return [...kinds].map(([k, n]) => `${k} x${n}`).join(', ');
}

/** Checks that `repo:latest` is a list naming exactly the platforms of `arches`. */
async function expectList(host: string, repo: string, arches: Arch[], who: string): Promise<void> {
  const m = await getManifest(host, repo, LIST_TAG);
  const got = (m?.manifest.manifests ?? []).map((e) => platformString(e.platform)).sort();
  const want = arches.map((a) => platformString(a.platform)).sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${who} left ${repo}:${LIST_TAG} with platforms [${got.join(', ')}], want [${want.join(', ')}]`);
  }
}

async function measureArchCount(infra: Infra, proxy: FaultProxy, arches: Arch[], o: PublishOptions): Promise<Row[]> {
  const k = arches.length;
  const host = infra.registry.host;
  const repoPath = `bench/publish-${k}`;
  const repo = exampleRepo();
  generate(repo.dir, ['--repo', repoPath, '--arch', arches.map((a) => a.name).join(','), '--publisher', 'docker']);
  await pushArchImages(host, repoPath, arches, repo.sha);
  const last = arches[k - 1]!;
  const dockerfile = ruleDockerfile(repo.dir, last.name);

  const hook = await repeat(
    o.runs,
    o.warmups,
    () => deleteTag(host, repoPath, LIST_TAG),
    async (): Promise<Sample> => {
      // What post_push needs of the builder: the docker CLI with buildx (no daemon: it only talks to
      // the registry) and an empty docker config, as on Docker Hub.
      const env = {
        ...process.env,
        PATH: `${path.dirname(infra.docker)}:${process.env.PATH}`,
        DOCKER_CONFIG: freshDir('docker-config'),
        ...hubBuildEnv({ registryHost: proxy.host, repo: repoPath, tag: last.name, dockerfilePath: dockerfile, sourceCommit: repo.sha }),
      };
      proxy.resetCounts();
      const t = await timed(path.join(repo.dir, 'hooks/post_push'), [], { cwd: repo.dir, env });
      const requests = [...proxy.requests];
      await expectList(host, repoPath, arches, 'post_push');
      return { seconds: t.seconds, requests };
    },
  );

  // The seeds' way: create the list from the arch tags, annotate each platform, push.
  const listRef = `${proxy.host}/${repoPath}:${LIST_TAG}`;
  const plain = await repeat(
    o.runs,
    o.warmups,
    () => deleteTag(host, repoPath, LIST_TAG),
    async (): Promise<Sample> => {
      const env = { ...process.env, DOCKER_CONFIG: freshDir('docker-config') };
      const docker = (args: string[]) => timed(infra.docker, args, { env });
      proxy.resetCounts();
      let seconds = 0;
      seconds += (await docker(['manifest', 'create', '--insecure', listRef, ...arches.map((a) => `${proxy.host}/${repoPath}:${a.name}`)]))
        .seconds;
      for (const a of arches) {
        const p = a.platform;
        const flags = ['--os', p.os, '--arch', p.architecture, ...(p.variant ? ['--variant', p.variant] : [])];
        seconds += (await docker(['manifest', 'annotate', ...flags, listRef, `${proxy.host}/${repoPath}:${a.name}`])).seconds;
      }
      seconds += (await docker(['manifest', 'push', '--insecure', '--purge', listRef])).seconds;
      const requests = [...proxy.requests];
      fs.rmSync(env.DOCKER_CONFIG, { recursive: true, force: true });
      await expectList(host, repoPath, arches, 'docker manifest');
      return { seconds, requests };
    },
  );

  const label = `${k} archs`;
  const hookN = stat(hook.map((s) => s.requests.length));
  const plainN = stat(plain.map((s) => s.requests.length));
  return [
    row({
      section: SECTION,
      measure: `${label}: post_push wall`,
      unit: 's',
      value: stat(hook.map((s) => s.seconds)),
      vs: { what: `docker manifest create + ${k} annotate + push`, value: stat(plain.map((s) => s.seconds)) },
      note: `archs ${arches.map((a) => a.name).join(',')}; publisher docker (the default; manifest-tool: see below)`,
    }),
    row({
      section: SECTION,
      measure: `${label}: post_push HTTP requests`,
      unit: 'count',
      value: hookN,
      vs: { what: 'docker manifest create/annotate/push', value: plainN },
      note: `post_push: ${breakdown(hook[0]!.requests)} | docker manifest: ${breakdown(plain[0]!.requests)}`,
      detail: [
        ...hook[0]!.requests.map((r) => `post_push: ${r.method} ${r.path} ${r.status}`),
        ...plain[0]!.requests.map((r) => `docker manifest: ${r.method} ${r.path} ${r.status}`),
      ],
    }),
    row({
      section: SECTION,
      measure: `${label}: post_push HTTP requests`,
      unit: 'count',
      value: hookN,
      vs: { what: `protocol minimum (${k} checks + 1 PUT)`, value: k + 1 },
    }),
  ];
}

export async function publishing(infra: Infra, o: PublishOptions): Promise<Row[]> {
  const proxy = await startFaultProxy(infra.registry.host);
  try {
    const rows: Row[] = [];
    for (const k of [2, 4, 8]) rows.push(...(await measureArchCount(infra, proxy, ARCHES.slice(0, k), o)));
    rows.push(
      notMeasured(
        SECTION,
        'post_push with --publisher manifest-tool',
        'the pinned manifest-tool release is on GitHub, which this machine cannot reach',
      ),
    );
    return rows;
  } finally {
    await proxy.stop();
  }
}
