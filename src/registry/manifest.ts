/**
 * What a registry serves, read defensively: manifest lists / OCI indexes, image manifests and
 * image configs are JSON from a server we do not trust. Each reader checks the shape it relies
 * on and throws MalformedError (a UserError: one sentence, exit 1) for anything else, so a
 * `{"manifests":5}` or a digest that is an object never reaches the code as a crash, and a
 * "digest" is never anything but a digest before it goes into a URL.
 *
 * Hand-written type guards rather than a schema library (zod, ajv): five small shapes, and the
 * bundled CLI stays small.
 */
import { UserError } from '../errors.js';
import { printable } from './printable.js';
import { DIGEST } from './reference.js';

export const MEDIA = {
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerImage: 'application/vnd.docker.distribution.manifest.v2+json',
  ociImage: 'application/vnd.oci.image.manifest.v1+json',
} as const;
/** Lists, indexes and single images: what a tag may be. */
export const ACCEPT_ANY = [MEDIA.dockerList, MEDIA.ociIndex, MEDIA.dockerImage, MEDIA.ociImage];
export const ACCEPT_IMAGE = [MEDIA.dockerImage, MEDIA.ociImage];

export const REVISION_LABEL = 'org.opencontainers.image.revision';

/** The registry served something that is not the document it claims to be. */
export class MalformedError extends UserError {}

export interface PlatformField {
  os?: string;
  architecture?: string;
  variant?: string;
  /** `os.version`: a Windows image's build (`10.0.20348.2762`). */
  osVersion?: string;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: PlatformField;
  annotations?: Record<string, string>;
}

/** A manifest list, an index or an image manifest: the fields any of them may have. */
export interface ManifestDoc {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

export interface ImageConfigDoc {
  os?: string;
  architecture?: string;
  variant?: string;
  osVersion?: string;
  created?: string;
  labels: Record<string, string>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Shape extends Error {}

function optString(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Shape(`${where}${key} is not a string`);
  return v;
}

function optSize(o: Json, key: string, where: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Shape(`${where}${key} is not a size`);
  return v;
}

function stringMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new Shape(`${where} is not an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new Shape(`${where}.${k} is not a string`);
    out[k] = x;
  }
  return out;
}

function descriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw new Shape(`${where} is not an object`);
  const digest = v.digest;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new Shape(`${where}.digest is not a digest`);
  const d: Descriptor = { digest };
  const mediaType = optString(v, 'mediaType', `${where}.`);
  if (mediaType !== undefined) d.mediaType = mediaType;
  const size = optSize(v, 'size', `${where}.`);
  if (size !== undefined) d.size = size;
  if (v.platform !== undefined && v.platform !== null) {
    if (!isObject(v.platform)) throw new Shape(`${where}.platform is not an object`);
    const p: PlatformField = {};
    for (const key of ['os', 'architecture', 'variant'] as const) {
      const s = optString(v.platform, key, `${where}.platform.`);
      if (s !== undefined) p[key] = s;
    }
    const osVersion = optString(v.platform, 'os.version', `${where}.platform.`);
    if (osVersion !== undefined) p.osVersion = osVersion;
    d.platform = p;
  }
  const annotations = stringMap(v.annotations, `${where}.annotations`);
  if (annotations) d.annotations = annotations;
  return d;
}

function descriptors(v: unknown, where: string): Descriptor[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new Shape(`${where} is not a list`);
  return v.map((x, i) => descriptor(x, `${where}[${i}]`));
}

function json(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new Shape('it is not JSON');
  }
}

/** `what` names the document in the sentence: `the manifest latest of ghcr.io/a/b`. */
function read<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Shape)) throw e;
    // The message may hold a key the registry chose (`config.Labels.<key>`).
    throw new MalformedError(
      `The registry served a malformed ${what} (${printable(e.message)}); the registry or the tool ` +
        `that pushed it is broken: push it again or report it to the registry.`,
    );
  }
}

/** A list, an index or an image manifest. */
export function parseManifest(body: Buffer, what: string): ManifestDoc {
  return read(what, () => {
    const v = json(body);
    if (!isObject(v)) throw new Shape('it is not a JSON object');
    const doc: ManifestDoc = {};
    const mediaType = optString(v, 'mediaType', '');
    if (mediaType !== undefined) doc.mediaType = mediaType;
    const manifests = descriptors(v.manifests, 'manifests');
    if (manifests) doc.manifests = manifests;
    if (v.config !== undefined && v.config !== null) doc.config = descriptor(v.config, 'config');
    const layers = descriptors(v.layers, 'layers');
    if (layers) doc.layers = layers;
    return doc;
  });
}

/** An image config blob: the platform it states, when it was built, its labels. */
export function parseImageConfig(body: Buffer, what: string): ImageConfigDoc {
  return read(what, () => {
    const v = json(body);
    if (!isObject(v)) throw new Shape('it is not a JSON object');
    const inner = v.config;
    if (inner !== undefined && inner !== null && !isObject(inner)) throw new Shape('config is not an object');
    return {
      os: optString(v, 'os', ''),
      architecture: optString(v, 'architecture', ''),
      variant: optString(v, 'variant', ''),
      osVersion: optString(v, 'os.version', ''),
      created: optString(v, 'created', ''),
      labels: (inner && stringMap(inner.Labels, 'config.Labels')) ?? {},
    };
  });
}
