/**
 * The verdict on a tag, and the `verify --json` shape (stable: fields are only ever added; a
 * breaking change bumps `schemaVersion`).
 *
 * ```jsonc
 * {
 *   "schemaVersion": 1,
 *   "image": "acme/demo:latest",            // as given or read from multi-arch-manifest.yaml
 *   "registry": "docker.io", "repository": "acme/demo", "tag": "latest",
 *   "found": true,                           // false: the registry has no such tag
 *   "kind": "docker-list",                   // | "oci-index" | "docker-image" | "oci-image" | "unsupported" | null
 *   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
 *   "digest": "sha256:...",                  // of the tag's manifest (list or image)
 *   "expected": [{ "arch": "arm64v8", "platform": "linux/arm64/v8" }],
 *   "entries": [{                            // image entries, list order; attestations are in "ignored"
 *     "arch": "arm64v8",                     // name from the architecture table, null if not in it
 *     "platform": "linux/arm64/v8",          // as the list states it; null if it states none
 *     "digest": "sha256:...", "mediaType": "...",
 *     "size": 528,                           // bytes of the entry's manifest (the list's "size")
 *     "imageSize": 1234567,                  // config + compressed layers; null if unreadable
 *     "config": { "platform": "linux/amd64", "os": "linux", "architecture": "amd64", "variant": null,
 *                 "created": "2025-01-01T00:00:00Z", "revision": "0123abc..." },  // null if unreadable
 *     "verdict": "fail"                      // "ok" | "warn" | "fail"
 *   }],
 *   "missing": [{ "arch": "arm32v6", "platform": "linux/arm/v6" }],
 *   "ignored": [{ "digest": "sha256:...", "platform": "unknown/unknown", "reason": "attestation" }],
 *   "findings": [{ "severity": "error", "code": "config-mismatch", "message": "...", "arch": "arm64v8", "digest": "sha256:..." }],
 *   "summary": { "ok": false, "errors": 1, "warnings": 0, "expected": 4, "present": 4, "revisions": ["0123abc..."] }
 * }
 * ```
 * Finding codes. Errors (exit code 1): `tag-not-found`, `unsupported-manifest`, `single-image`,
 * `missing-platform`, `unexpected-platform`, `duplicate-platform`, `no-platform`,
 * `config-mismatch`, `mixed-revisions`, `digest-mismatch`, `not-an-image`, `manifest-unknown`.
 * Warnings (exit code unchanged): `missing-revision`, `missing-variant`.
 *
 * Platforms are compared the way containerd matches them: `arm` without a variant is `arm/v7`,
 * `arm64` without one is `arm64/v8`, `amd64` without one is `amd64/v1`. So an image config that
 * merely omits its variant agrees with a list entry naming that default (arm config, list arm/v7),
 * and is a `config-mismatch` where the list names another (arm config, list arm/v6): a runtime
 * reading the config would take that image for v7. A list entry for `arm` without a variant is a
 * `missing-variant` warning: runtimes take it for v7, so v6/v5 devices never pick it.
 */
import { ARCHES, platformKey, platformString, type Platform } from '../arch.js';
import type { EntryFacts, TagFacts, TagKind } from '../registry/inspect.js';
import { REVISION_LABEL } from '../registry/manifest.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';
import { type Includes, includeFindings, includedMarks } from './include.js';

export type Severity = 'error' | 'warning';
export type FindingCode =
  | 'tag-not-found'
  | 'unsupported-manifest'
  | 'single-image'
  | 'missing-platform'
  | 'unexpected-platform'
  | 'duplicate-platform'
  | 'no-platform'
  | 'config-mismatch'
  | 'mixed-revisions'
  | 'digest-mismatch'
  | 'not-an-image'
  | 'manifest-unknown'
  | 'missing-revision'
  | 'missing-variant'
  | 'include-missing'
  | 'include-not-listed'
  | 'include-platform'
  | 'include-revision';

export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  arch?: string;
  digest?: string;
}

export interface ExpectedPlatform {
  /** Table name (`arm64v8`), or the platform string for a platform the table lacks. */
  arch: string;
  platform: string;
}

export interface ReportEntry {
  arch: string | null;
  platform: string | null;
  digest: string;
  mediaType: string;
  size: number;
  imageSize: number | null;
  config: {
    platform: string | null;
    os: string | null;
    architecture: string | null;
    variant: string | null;
    created: string | null;
    revision: string | null;
  } | null;
  verdict: 'ok' | 'warn' | 'fail';
}

export interface VerifyReport {
  schemaVersion: 1;
  image: string;
  registry: string;
  repository: string;
  tag: string | null;
  found: boolean;
  kind: TagKind | null;
  mediaType: string | null;
  digest: string | null;
  expected: ExpectedPlatform[];
  entries: ReportEntry[];
  missing: ExpectedPlatform[];
  ignored: { digest: string; platform: string | null; reason: 'attestation' }[];
  findings: Finding[];
  summary: { ok: boolean; errors: number; warnings: number; expected: number; present: number; revisions: string[] };
}

export function archFor(p: Platform): string | undefined {
  return ARCHES.find((a) => platformKey(a.platform) === platformKey(p))?.name;
}

/** Expected platforms from table names, or from platforms (a spec's entries). */
export function expectedFromPlatforms(platforms: readonly Platform[]): ExpectedPlatform[] {
  const seen = new Set<string>();
  const out: ExpectedPlatform[] = [];
  for (const p of platforms) {
    if (seen.has(platformKey(p))) continue;
    seen.add(platformKey(p));
    out.push({ arch: archFor(p) ?? platformString(p), platform: platformString(p) });
  }
  return out;
}

function configPlatform(e: EntryFacts): Platform | undefined {
  const c = e.config;
  if (!c?.os || !c.architecture) return undefined;
  return c.variant ? { os: c.os, architecture: c.architecture, variant: c.variant } : { os: c.os, architecture: c.architecture };
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export function buildReport(ref: ImageRef, facts: TagFacts, expected: ExpectedPlatform[], include?: Includes): VerifyReport {
  // The images --include adds (a Windows image built elsewhere): expected in the list, checked in include.ts.
  const { digests: included, platforms: includedPlatforms } = includedMarks(include);
  const findings: Finding[] = [];
  const add = (severity: Severity, code: FindingCode, message: string, at?: { arch?: string; digest?: string }) =>
    findings.push({ severity, code, message, ...(at?.arch ? { arch: at.arch } : {}), ...(at?.digest ? { digest: at.digest } : {}) });
  const where = `${ref.registry}/${ref.repository}`;
  const single = facts.kind === 'docker-image' || facts.kind === 'oci-image';

  if (!facts.found) {
    add(
      'error',
      'tag-not-found',
      `${where} has no ${ref.digest ? `manifest ${ref.digest}` : `tag ${ref.tag}`}; check the name, or publish the list first.`,
    );
  } else if (facts.kind === 'unsupported') {
    add(
      'error',
      'unsupported-manifest',
      `${formatImageRef(ref)} is a ${facts.mediaType}, neither a manifest list, an OCI index nor an ` +
        `image; republish it with a current tool.`,
    );
  }

  // For a single image the platform is the config's own: there is no list entry to compare.
  const listed = facts.entries.map((e) => (single ? configPlatform(e) : e.platform));
  const names = facts.entries.map((e, i) => {
    const p = listed[i];
    return (p && archFor(p)) ?? (p ? platformString(p) : short(e.digest));
  });

  if (single) {
    const p = listed[0];
    add(
      'error',
      'single-image',
      `${formatImageRef(ref)} is a single image${p ? ` (${platformString(p)})` : ''}, not a manifest ` +
        `list; publish the multi-arch list to this tag ` +
        `(hooks/post_push does it once every arch is pushed).`,
      { arch: names[0], digest: facts.entries[0]?.digest },
    );
  }

  const seenKeys = new Map<string, string>();
  facts.entries.forEach((e, i) => {
    const at = { arch: names[i], digest: e.digest };
    const p = listed[i];
    if (e.problem) add('error', e.problem.code, `${names[i]}: ${e.problem.message}; publish the list again.`, at);
    if (!p) {
      add(
        'error',
        'no-platform',
        `Entry ${short(e.digest)} has no platform, so no runtime will pick it; publish the list with a platform for every image.`,
        at,
      );
      return;
    }
    // Windows images of one architecture differ by os.version: that is part of what makes two entries the same.
    const key = platformKey(p);
    const sameAs = key + (e.osVersion ? ` os.version ${e.osVersion}` : '');
    if (seenKeys.has(sameAs)) {
      add(
        'error',
        'duplicate-platform',
        `${names[i]}: a second entry for ${platformString(p)} (the first is ${seenKeys.get(sameAs)}); runtimes take the first, so remove one.`,
        at,
      );
    } else seenKeys.set(sameAs, short(e.digest));
    if (!single && p.architecture === 'arm' && !p.variant) {
      add(
        'warning',
        'missing-variant',
        `${names[i]}: the list entry for arm has no variant, which runtimes read as v7; set the variant (v5, v6, v7) in the list.`,
        at,
      );
    }
    const c = configPlatform(e);
    if (!single && e.config && (!c || platformKey(c) !== key)) {
      const said = c ? platformString(c) : 'no platform';
      const hint =
        c?.architecture === 'amd64' && p.architecture !== 'amd64'
          ? "the image was labelled with the builder's platform (moby/moby#36552); build it with --platform, or fix its config"
          : `rebuild it for ${platformString(p)}, or correct the list entry`;
      add('error', 'config-mismatch', `${names[i]}: the list says ${platformString(p)} but the image config says ${said}; ${hint}.`, at);
    }
    if (e.config && !e.config.revision && !included.has(e.digest)) {
      add(
        'warning',
        'missing-revision',
        `${names[i]}: no ${REVISION_LABEL} label, so its source commit cannot be compared; build it with ` +
          `--label ${REVISION_LABEL}=$SOURCE_COMMIT.`,
        at,
      );
    }
  });

  const expectedKeys = new Set(expected.map((x) => x.platform));
  const presentKeys = new Set(listed.filter((p): p is Platform => !!p).map(platformKey));
  const missing = facts.found ? expected.filter((x) => !presentKeys.has(platformKeyOf(x.platform))) : [...expected];
  for (const m of facts.found && !single ? missing : []) {
    add(
      'error',
      'missing-platform',
      `${m.arch} (${m.platform}) is not in the list; check that its build pushed, then publish the list again.`,
      { arch: m.arch },
    );
  }
  const expectedNorm = new Set([...expectedKeys].map(platformKeyOf));
  facts.entries.forEach((e, i) => {
    const p = listed[i];
    if (p && !expectedNorm.has(platformKey(p)) && !included.has(e.digest) && !includedPlatforms.has(platformKey(p))) {
      add(
        'error',
        'unexpected-platform',
        `${names[i]} (${platformString(p)}) is in the ${single ? 'tag' : 'list'} but not expected; drop ` +
          `it from the list, or expect it with --arch.`,
        { arch: names[i], digest: e.digest },
      );
    }
  });

  const own = facts.entries.map((e, i) => ({ e, name: names[i]! })).filter((x) => !included.has(x.e.digest));
  const revisions = mixedRevisions(
    own.map((x) => x.e),
    own.map((x) => x.name),
    add,
  );
  if (include && facts.found && !single) {
    includeFindings(include, facts.entries, revisions.length === 1 ? revisions[0] : undefined, (code, message, digest) =>
      add('error', code, message, digest ? { digest } : undefined),
    );
  }

  const entries: ReportEntry[] = facts.entries.map((e, i) => {
    const mine = findings.filter((f) => f.digest === e.digest);
    const c = configPlatform(e);
    return {
      arch: listed[i] ? (archFor(listed[i]!) ?? null) : null,
      platform: e.platform ? platformString(e.platform) : null,
      digest: e.digest,
      mediaType: e.mediaType,
      size: e.size,
      imageSize: e.imageSize ?? null,
      config: e.config
        ? {
            platform: c ? platformString(c) : null,
            os: e.config.os ?? null,
            architecture: e.config.architecture ?? null,
            variant: e.config.variant ?? null,
            created: e.config.created ?? null,
            revision: e.config.revision ?? null,
          }
        : null,
      verdict: mine.some((f) => f.severity === 'error') ? 'fail' : mine.length ? 'warn' : 'ok',
    };
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  // Errors first, each group in the order found (list order, then missing platforms, then revisions).
  findings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return {
    schemaVersion: 1,
    image: formatImageRef(ref),
    registry: ref.registry,
    repository: ref.repository,
    tag: ref.tag ?? null,
    found: facts.found,
    kind: facts.kind ?? null,
    mediaType: facts.mediaType ?? null,
    digest: facts.digest ?? null,
    expected,
    entries,
    missing,
    ignored: facts.ignored.map((g) => ({ digest: g.digest, platform: g.platform ? platformString(g.platform) : null, reason: g.reason })),
    findings,
    summary: {
      ok: errors === 0,
      errors,
      warnings: findings.length - errors,
      expected: expected.length,
      present: expected.length - missing.length,
      revisions,
    },
  };
}

function platformKeyOf(s: string): string {
  const [os, architecture, variant] = s.split('/');
  return platformKey({ os, architecture, variant });
}

/**
 * Entries built from different commits. The reference is the revision most entries carry (a late
 * rebuild of one arch from another commit is the odd one out, whatever its age); on a tie, the
 * revision of the newest image (the last build to push is most likely the current commit).
 */
function mixedRevisions(
  entries: EntryFacts[],
  names: string[],
  add: (s: Severity, c: FindingCode, m: string, at?: { arch?: string; digest?: string }) => void,
): string[] {
  const withRev = entries.map((e, i) => ({ e, name: names[i] })).filter((x) => x.e.config?.revision);
  const revisions = [...new Set(withRev.map((x) => x.e.config!.revision!))];
  if (revisions.length < 2) return revisions;
  const time = (e: EntryFacts) => Date.parse(e.config?.created ?? '') || 0;
  const carrying = (rev: string) => withRev.filter((x) => x.e.config!.revision === rev);
  const newestOf = (rev: string) => Math.max(...carrying(rev).map((x) => time(x.e)));
  const current = revisions.reduce((a, b) => {
    const d = carrying(b).length - carrying(a).length;
    return d > 0 || (d === 0 && newestOf(b) > newestOf(a)) ? b : a;
  });
  const others = carrying(current).map((x) => x.name);
  for (const x of withRev) {
    if (x.e.config!.revision === current) continue;
    add(
      'error',
      'mixed-revisions',
      `${x.name} was built from revision ${x.e.config!.revision!.slice(0, 12)}, ${others.join(', ')} ` +
        `from ${current.slice(0, 12)}; rebuild ${x.name} from the same ` +
        `commit and publish the list again.`,
      { arch: x.name, digest: x.e.digest },
    );
  }
  return revisions;
}
