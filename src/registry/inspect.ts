/**
 * Reads a tag from its registry: the manifest list / OCI index (or the single image it is), and
 * for every image entry its manifest and image config. Only facts here; check/findings.ts judges.
 */
import type { Platform } from '../arch.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { digestOf } from './digest.js';
import {
  ACCEPT_ANY,
  ACCEPT_IMAGE,
  MEDIA,
  REVISION_LABEL,
  parseImageConfig,
  parseManifest,
  type Descriptor,
  type ManifestDoc,
  type PlatformField,
} from './manifest.js';
import { formatImageRef, type ImageRef } from './reference.js';

/** BuildKit's marker for the provenance/SBOM manifests it puts in an index. */
const REFERENCE_TYPE = 'vnd.docker.reference.type';

export interface ImageConfigFacts {
  os?: string;
  architecture?: string;
  variant?: string;
  /** `os.version` (Windows images). */
  osVersion?: string;
  created?: string;
  revision?: string;
}

export interface EntryFacts {
  digest: string;
  mediaType: string;
  /** Bytes of the entry's manifest, as the list states it. */
  size: number;
  /** As the list states it; absent for a single-image tag or an index entry without one. */
  platform?: Platform;
  /** The list's `os.version` for this entry (Windows images), when it states one. */
  osVersion?: string;
  config?: ImageConfigFacts;
  /** Config plus layers, compressed: what a pull downloads. */
  imageSize?: number;
  /** Why the entry could not be read as an image (a nested index, a digest that does not match). */
  problem?: { code: 'digest-mismatch' | 'not-an-image' | 'manifest-unknown'; message: string };
}

export interface IgnoredEntry {
  digest: string;
  platform?: Platform;
  reason: 'attestation';
}

export type TagKind = 'docker-list' | 'oci-index' | 'docker-image' | 'oci-image' | 'unsupported';

export interface TagFacts {
  found: boolean;
  kind?: TagKind;
  mediaType?: string;
  digest?: string;
  entries: EntryFacts[];
  ignored: IgnoredEntry[];
  stats: { requests: number; retries: number };
}

function mediaTypeOf(headers: Record<string, unknown>, doc: ManifestDoc): string {
  const header = String(headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  if (Object.values(MEDIA).includes(header as never)) return header;
  if (doc.mediaType) return doc.mediaType;
  // OCI allows leaving mediaType out of the document.
  if (Array.isArray(doc.manifests)) return MEDIA.ociIndex;
  if (doc.config) return MEDIA.ociImage;
  return header || 'unknown';
}

function kindOf(mediaType: string): TagKind {
  switch (mediaType) {
    case MEDIA.dockerList:
      return 'docker-list';
    case MEDIA.ociIndex:
      return 'oci-index';
    case MEDIA.dockerImage:
      return 'docker-image';
    case MEDIA.ociImage:
      return 'oci-image';
    default:
      return 'unsupported';
  }
}

function isAttestation(d: Descriptor): boolean {
  return (
    (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown') || d.annotations?.[REFERENCE_TYPE] === 'attestation-manifest'
  );
}

function toPlatform(p: PlatformField | undefined): Platform | undefined {
  if (!p?.os || !p.architecture) return undefined;
  return p.variant ? { os: p.os, architecture: p.architecture, variant: p.variant } : { os: p.os, architecture: p.architecture };
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Client options for reading one tag: the caller's insecure flag, env and overall deadline. */
export type InspectOptions = Pick<ClientOptions, 'insecure' | 'env' | 'deadlineMs'>;

export async function inspectTag(ref: ImageRef, opts: InspectOptions): Promise<TagFacts> {
  const client = new RegistryClient({ registry: ref.registry, repository: ref.repository, ...opts });
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const top = await client.manifest(reference, ACCEPT_ANY);
  const facts: TagFacts = { found: !!top, entries: [], ignored: [], stats: client.stats };
  if (!top) return facts;
  const doc = parseManifest(top.body, `manifest for ${formatImageRef(ref)}`);
  facts.mediaType = mediaTypeOf(top.headers, doc);
  facts.kind = kindOf(facts.mediaType);
  // The digest of the bytes served is the tag's digest (what Docker-Content-Digest states).
  facts.digest = digestOf(top.body);

  if (facts.kind === 'docker-image' || facts.kind === 'oci-image') {
    const entry: EntryFacts = { digest: facts.digest, mediaType: facts.mediaType, size: top.body.length };
    await readImage(client, entry, doc);
    facts.entries.push(entry);
    return facts;
  }
  if (facts.kind === 'unsupported') return facts;

  const descriptors = doc.manifests ?? [];
  for (const d of descriptors) {
    if (isAttestation(d)) facts.ignored.push({ digest: d.digest, platform: toPlatform(d.platform), reason: 'attestation' });
  }
  const images = descriptors.filter((d) => !isAttestation(d));
  facts.entries = await mapLimit(images, 4, async (d) => {
    const entry: EntryFacts = {
      digest: d.digest,
      mediaType: d.mediaType ?? '',
      size: d.size ?? 0,
      platform: toPlatform(d.platform),
      ...(d.platform?.osVersion ? { osVersion: d.platform.osVersion } : {}),
    };
    if (d.mediaType && !ACCEPT_IMAGE.includes(d.mediaType as never)) {
      entry.problem = { code: 'not-an-image', message: `the entry is a ${d.mediaType}, not an image manifest` };
      return entry;
    }
    const m = await client.manifest(d.digest, ACCEPT_IMAGE);
    if (!m) {
      entry.problem = {
        code: 'manifest-unknown',
        message: `the registry has no manifest ${d.digest} (the list points at a deleted image)`,
      };
      return entry;
    }
    if (digestOf(m.body) !== d.digest) {
      entry.problem = { code: 'digest-mismatch', message: `the manifest served for ${d.digest} has digest ${digestOf(m.body)}` };
      return entry;
    }
    const manifest = parseManifest(m.body, `manifest ${d.digest}`);
    if (!entry.mediaType) entry.mediaType = mediaTypeOf(m.headers, manifest);
    await readImage(client, entry, manifest);
    return entry;
  });
  return facts;
}

async function readImage(client: RegistryClient, entry: EntryFacts, manifest: ManifestDoc): Promise<void> {
  if (!manifest.config) {
    entry.problem = { code: 'not-an-image', message: 'the manifest names no image config' };
    return;
  }
  const blob = await client.blob(manifest.config.digest);
  if (digestOf(blob) !== manifest.config.digest) {
    entry.problem = {
      code: 'digest-mismatch',
      message: `the config blob served for ${manifest.config.digest} has digest ${digestOf(blob)}`,
    };
    return;
  }
  const config = parseImageConfig(blob, `image config ${manifest.config.digest}`);
  entry.config = {
    os: config.os,
    architecture: config.architecture,
    variant: config.variant || undefined,
    ...(config.osVersion ? { osVersion: config.osVersion } : {}),
    created: config.created,
    revision: config.labels[REVISION_LABEL] || undefined,
  };
  entry.imageSize = (manifest.config.size ?? blob.length) + (manifest.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0);
}
