/**
 * The shell commands a generated pipeline amounts to, for concrete values: what the GitHub
 * workflow's actions run (docker/build-push-action is `docker buildx build`, the merge step is
 * `docker buildx imagetools create`) and what the Bitbucket steps run literally. Pure: the
 * caller runs them (the real-engine tests do, against a loopback registry, then `verify`).
 */
import { type Arch, platformString } from '../arch.js';
import { archTagFor, type CiTarget, perArch, platformList, tagName } from './target.js';

export interface BuildValues {
  /** Where to push: the repository, or `127.0.0.1:5000/acme/demo` in tests. */
  image: string;
  /** The list tags this push publishes: `latest` for the branch, the captured version for a tag. */
  listTags: string[];
  /** The commit: `org.opencontainers.image.revision`. */
  revision: string;
  /** Extra `--label`s (`org.opencontainers.image.source`, ...). */
  labels?: Record<string, string>;
  /** A file `docker buildx build --metadata-file` writes (its `containerimage.digest`). */
  metadataFile: (arch: string | null) => string;
  /** `--cache-from`/`--cache-to` values, or none. */
  cache?: (arch: string | null) => { from: string; to: string };
  /** Extra flags for every build (`--network=host`, `--provenance=false`, ...). */
  buildFlags?: string[];
  /**
   * Per-arch builds push under this tag instead of by digest: Docker's default `docker` buildx
   * driver cannot push by digest (the pipelines use the docker-container driver, which can).
   * The digest is read from the metadata file either way.
   */
  stagingTag?: (arch: string) => string;
}

export interface BuildPlanCommands {
  /** One multi-platform build, or one build per arch pushed by digest. */
  builds: { arch: string | null; argv: string[] }[];
}

function labelArgs(v: BuildValues): string[] {
  const labels = { 'org.opencontainers.image.revision': v.revision, ...v.labels };
  return Object.entries(labels).flatMap(([k, val]) => ['--label', `${k}=${val}`]);
}

/** Step 1: the builds. */
export function buildCommands(t: CiTarget, v: BuildValues): BuildPlanCommands {
  const cacheArgs = (arch: string | null) => {
    const c = v.cache?.(arch);
    return c ? ['--cache-from', c.from, '--cache-to', c.to] : [];
  };
  if (!perArch(t)) {
    const argv = [
      'docker',
      'buildx',
      'build',
      '--platform',
      platformList(t.arches),
      '--file',
      t.dockerfile,
      ...labelArgs(v),
      ...v.listTags.flatMap((tag) => ['--tag', `${v.image}:${tag}`]),
      ...cacheArgs(null),
      ...(v.buildFlags ?? []),
      '--metadata-file',
      v.metadataFile(null),
      '--push',
      t.context,
    ];
    return { builds: [{ arch: null, argv }] };
  }
  return {
    builds: t.arches.map((a) => ({
      arch: a.name,
      argv: [
        'docker',
        'buildx',
        'build',
        '--platform',
        platformString(a.platform),
        '--file',
        t.perArchDockerfiles[a.name]!,
        ...labelArgs(v),
        // A single image, not an index with an attestation: the per-arch tags stay pullable on any host.
        '--provenance=false',
        ...(v.stagingTag
          ? ['--tag', `${v.image}:${v.stagingTag(a.name)}`, '--push']
          : ['--output', `type=image,name=${v.image},push-by-digest=true,name-canonical=true,push=true`]),
        ...cacheArgs(a.name),
        ...(v.buildFlags ?? []),
        '--metadata-file',
        v.metadataFile(a.name),
        t.context,
      ],
    })),
  };
}

/**
 * Each arch's image digest in a multi-platform index (`docker buildx imagetools inspect --raw`),
 * matched the way containerd does: arm64 without a variant is arm64/v8. Entries without a
 * platform or for `unknown/unknown` (attestations) are skipped. Throws when an arch is missing.
 */
export function platformDigests(indexJson: string, arches: readonly Arch[]): Record<string, string> {
  const index = JSON.parse(indexJson) as {
    manifests?: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[];
  };
  const out: Record<string, string> = {};
  for (const a of arches) {
    const want = platformString(a.platform);
    const hit = (index.manifests ?? []).find((m) => {
      if (!m.platform) return false;
      const got = platformString(m.platform);
      return got === want || `${got}/v8` === want;
    });
    if (!hit) throw new Error(`the index has no ${want} image`);
    out[a.name] = hit.digest;
  }
  return out;
}

/**
 * Step 2: the list tags (per-arch builds: an index made from their digests; a multi-platform
 * build pushed them already) and the per-arch tags, each a single image copied by digest.
 * `digests`: each arch's image digest (from the per-arch builds' metadata files, or
 * platformDigests of the pushed index).
 */
export function publishCommands(t: CiTarget, v: Pick<BuildValues, 'image' | 'listTags'>, digests: Record<string, string>): string[][] {
  const ref = (a: Arch) => `${v.image}@${digests[a.name]!}`;
  const cmds: string[][] = [];
  if (perArch(t)) {
    cmds.push([
      'docker',
      'buildx',
      'imagetools',
      'create',
      ...v.listTags.flatMap((tag) => ['--tag', `${v.image}:${tag}`]),
      ...t.arches.map(ref),
    ]);
  }
  if (t.archTags) {
    for (const a of t.arches) {
      cmds.push([
        'docker',
        'buildx',
        'imagetools',
        'create',
        '--prefer-index=false',
        ...v.listTags.flatMap((tag) => ['--tag', `${v.image}:${archTagFor(tag, tagName(t, a))}`]),
        ref(a),
      ]);
    }
  }
  return cmds;
}

/** POSIX shell quoting: one word, whatever it holds. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
