/**
 * `--ci bitbucket`: `bitbucket-pipelines.yml` doing on Bitbucket Pipelines what the GitHub
 * workflow does. What Bitbucket allows (Atlassian's documentation, read 2026-12):
 * - Runtime v2 (the default) refuses multi-architecture builds, `--platform`, the buildx plugin
 *   and privileged containers ("Run Docker commands in Bitbucket Pipelines").
 * - Runtime v3 (opt-in: `options.runtime.cloud.version: 3`) allows privileged containers and
 *   buildx multi-arch builds, and no longer mounts a Docker CLI: the step image must bring one
 *   ("Enable and use Runtime v3"; blog "Introducing Runtime v3 – Multi-arch images").
 * - Atlassian's cloud runners are amd64; ARM builds natively only on self-hosted Linux Docker
 *   arm64 runners (`runs-on: [self.hosted, linux.arm64]`), so the generated steps emulate with QEMU.
 * - The Pipelines Docker cache is deprecated on Runtime v3; buildx caching replaces it.
 * - A step runs at most 120 minutes.
 * Sources: support.atlassian.com/bitbucket-cloud/docs/run-docker-commands-in-bitbucket-pipelines,
 * support.atlassian.com/bitbucket-cloud/docs/enable-and-use-runtime-v3,
 * atlassian.com/blog/bitbucket/introducing-runtime-v3-multi-arch-images-and-more-control-over-docker,
 * bitbucket.org/blog/announcing-support-for-linux-arm-runners-in-bitbucket-pipelines,
 * support.atlassian.com/bitbucket-cloud/docs/configure-your-runner-in-bitbucket-pipelines-yml,
 * support.atlassian.com/bitbucket-cloud/docs/pipeline-start-conditions.
 */
import { platformString } from '../arch.js';
import { UserError } from '../errors.js';
import { PINS } from '../pins.js';
import { BITBUCKET_DOCKER_IMAGE } from './actions.js';
import { buildCommands, shellQuote } from './commands.js';
import { bitbucketGlob, toEre } from './filters.js';
import { ARCH_TAGS_SCRIPT, MERGE_SCRIPT } from './scripts.js';
import { type CiTarget, perArch, tagName } from './target.js';
import { toYaml } from './yaml-out.js';
import { BITBUCKET_FILE } from './bitbucket-facts.js';

// Placeholders for shell variables inside command arguments, rendered as "${NAME}".
const v = (name: string) => `\u0001${name}\u0002`;

/** One shell word; literal text is quoted, v() placeholders expand. */
function shellArg(s: string): string {
  if (!s.includes('\u0001')) return shellQuote(s);
  // eslint-disable-next-line no-control-regex -- \u0001/\u0002 delimit the placeholders on purpose
  const parts = s.split(/\u0001([A-Z_]+)\u0002/);
  return `"${parts.map((p, i) => (i % 2 === 1 ? `\${${p}}` : p.replace(/[\\"$`]/g, '\\$&'))).join('')}"`;
}
const shellLine = (argv: string[]) => argv.map(shellArg).join(' ');

function slug(dir: string): string {
  return dir === '.'
    ? 'root'
    : dir
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'dir';
}

function step(t: CiTarget, kind: 'branch' | 'tag', regex?: string): Record<string, unknown> {
  const cacheName = `buildx-${slug(t.dir)}`;
  const cacheDir = `/root/.cache/${cacheName}`;
  const meta = (arch: string | null) => `/tmp/build-${arch ?? 'all'}.json`;
  const cmds = buildCommands(t, {
    image: t.repository,
    listTags: [kind === 'branch' ? 'latest' : v('VERSION')],
    revision: v('BITBUCKET_COMMIT'),
    labels: {
      'org.opencontainers.image.source': v('BITBUCKET_GIT_HTTP_ORIGIN'),
      'org.opencontainers.image.created': v('CREATED'),
      'org.opencontainers.image.version': kind === 'branch' ? 'latest' : v('VERSION'),
    },
    metadataFile: meta,
    cache: (arch) => ({
      from: `type=local,src=${cacheDir}${arch ? `/${arch}` : ''}`,
      to: `type=local,dest=${cacheDir}${arch ? `/${arch}` : ''},mode=max`,
    }),
  });
  const script: string[] = [];
  if (kind === 'tag') {
    // The step's glob may be wider than the rule's regex: the regex decides, as on Docker Hub.
    const ere = toEre(regex!).replace(/\//g, '\\/');
    // sed prints the tag with the match replaced by the group: the regex must cover the tag from its start.
    if (!ere.startsWith('^')) {
      throw new UserError(
        `The tag rule ${regex!} is not anchored with ^, which the Bitbucket step needs to capture the ` +
          `version alone; write it as /^.../ (--tag-regex).`,
      );
    }
    const sed = `s/${ere}${/\$$/.test(ere) ? '' : '.*'}/\\1/p`;
    script.push(
      `VERSION=$(printf '%s\\n' "$BITBUCKET_TAG" | sed -nE ${shellQuote(sed)})\nif [ -z "$VERSION" ]; then echo "Tag $BITBUCKET_TAG does not match the tag rule ${regex!.replace(/[^\x20-\x7e]/g, '?').replace(/["$`\\]/g, '\\$&')}: nothing to publish."; exit 0; fi`,
    );
  }
  script.push(
    'export CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"',
    'apk add --no-cache jq',
    // Registers QEMU for every arch (privileged: Runtime v3), as hooks/pre_build did on Docker Hub.
    `docker run --rm --privileged ${PINS.qemuImage} --reset -p yes`,
    'docker buildx create --use --driver docker-container',
    'echo "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin',
    `export IMAGE=${shellQuote(t.repository)}`,
    `export TAGS=${shellArg(`${t.repository}:${kind === 'branch' ? 'latest' : v('VERSION')}`)}`,
  );
  for (const b of cmds.builds) script.push(shellLine(b.argv));
  if (!perArch(t)) {
    if (t.archTags) {
      script.push(
        `export DIGEST="$(jq -r '."containerimage.digest"' ${meta(null)})" PLATFORMS=${shellQuote(t.arches.map((a) => `${tagName(t, a)}=${platformString(a.platform)}`).join(' '))}`,
        ARCH_TAGS_SCRIPT,
      );
    }
  } else {
    script.push(
      t.arches.every((a) => tagName(t, a) === a.name)
        ? `mkdir -p /tmp/digests\nfor arch in ${t.arches.map((a) => a.name).join(' ')}; do jq -r '."containerimage.digest"' "/tmp/build-$arch.json" > "/tmp/digests/$arch"; done`
        : // Each digest under the arch's tag name (`armhf`), which MERGE_SCRIPT tags it with.
          `mkdir -p /tmp/digests\n${t.arches.map((a) => `jq -r '."containerimage.digest"' /tmp/build-${a.name}.json > /tmp/digests/${tagName(t, a)}`).join('\n')}`,
      `export ARCHES=${shellQuote(t.arches.map((a) => tagName(t, a)).join(' '))} DIGESTS=/tmp/digests ARCH_TAGS=${t.archTags}`,
      MERGE_SCRIPT,
    );
  }
  return {
    step: {
      name: `${t.repository}:${kind === 'branch' ? 'latest' : '<version>'} (${t.arches.map((a) => a.name).join(', ')})`,
      'max-time': 120,
      services: ['docker'],
      caches: [cacheName],
      script: script.map((s) => s.replace(/\n$/, '')),
    },
  };
}

export function bitbucketPipelines(targets: readonly CiTarget[], version: string): { path: string; content: string } {
  const branches: Record<string, unknown[]> = {};
  const tags: Record<string, unknown[]> = {};
  const caches: Record<string, string> = {};
  for (const t of targets) {
    caches[`buildx-${slug(t.dir)}`] = `/root/.cache/buildx-${slug(t.dir)}`;
    for (const b of t.branches) (branches[bitbucketGlob(b)] ??= []).push(step(t, 'branch'));
    for (const re of t.tagRegexes) (tags[bitbucketGlob(re)] ??= []).push(step(t, 'tag', re));
  }
  const header = [
    `Generated by create-multiarch-hooks ${version}: builds ` +
      `${targets.map((t) => t.repository).join(', ')} the way the Docker Hub build rules did`,
    '(autobuilds retire on 2027-04-01), with docker buildx on Runtime v3 and QEMU for the arches other than amd64.',
    'Needs the repository variables DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (secured; a Docker Hub access token with Read & Write scope).',
    'Delete the Docker Hub build configuration when this runs, or both push.',
  ];
  const doc = {
    image: BITBUCKET_DOCKER_IMAGE,
    options: { runtime: { cloud: { version: '3' } } },
    definitions: { caches },
    pipelines: { branches, ...(Object.keys(tags).length ? { tags } : {}) },
  };
  return { path: BITBUCKET_FILE, content: toYaml(doc, header) };
}
