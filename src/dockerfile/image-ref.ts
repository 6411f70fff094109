import { ARCHES, type Arch } from '../arch.js';

/**
 * An image reference split the way Docker's reference grammar splits it
 * (distribution/reference: `[domain/]path[:tag][@digest]`), with the offsets of its parts in the
 * string, so the rewrite can change the path alone. Hand-written because the reference we split
 * is the one left after ARG expansion, which dockerfile-ast's getImageName/getRegistry do not see.
 */
export interface ImageRef {
  text: string;
  /** As written (`docker.io`, `ghcr.io`, `127.0.0.1:5000`), or null when none is written (Docker Hub). */
  registry: string | null;
  path: string;
  pathStart: number;
  tag: string | null;
  digest: string | null;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Returns null when `text` is not a valid reference. */
export function parseImageRef(text: string): ImageRef | null {
  const at = text.indexOf('@');
  const digest = at === -1 ? null : text.slice(at + 1);
  const nameTag = at === -1 ? text : text.slice(0, at);
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > nameTag.lastIndexOf('/');
  const tag = hasTag ? nameTag.slice(colon + 1) : null;
  const name = hasTag ? nameTag.slice(0, colon) : nameTag;
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // Docker's rule: the first component is a registry if it looks like a host name.
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  const registry = isDomain ? first : null;
  const pathStart = isDomain ? slash + 1 : 0;
  const path = name.slice(pathStart);
  if (path === '' || !path.split('/').every((c) => COMPONENT.test(c))) return null;
  if (registry !== null && !/^[A-Za-z0-9.-]+(:[0-9]+)?$|^\[[0-9a-fA-F:]+\](:[0-9]+)?$/.test(registry)) return null;
  if (tag !== null && !TAG.test(tag)) return null;
  if (digest !== null && !DIGEST.test(digest)) return null;
  return { text, registry, path, pathStart, tag, digest };
}

export function isDockerHub(ref: ImageRef): boolean {
  return ref.registry === null || ['docker.io', 'index.docker.io'].includes(ref.registry.toLowerCase());
}

/**
 * Docker Hub namespaces that hold official images for one architecture but have no arch in our
 * table (Windows). Not arch facts we build for, only names we must recognise to refuse them.
 */
const UNSUPPORTED_ARCH_PREFIXES = ['winamd64'];

export type Classification =
  | { kind: 'official'; image: string; prefix: string | null }
  | { kind: 'other' }
  | { kind: 'unmappable'; why: string };

export function classify(ref: ImageRef): Classification {
  const windowsTag = ref.tag !== null && /windowsservercore|nanoserver/i.test(ref.tag);
  if (ref.registry?.toLowerCase() === 'mcr.microsoft.com' && /^windows(\/|$)/.test(ref.path)) {
    return { kind: 'unmappable', why: 'is a Windows image' };
  }
  if (!isDockerHub(ref)) return windowsTag ? { kind: 'unmappable', why: 'is a Windows image' } : { kind: 'other' };
  const parts = ref.path.split('/');
  if (parts.length > 2) return { kind: 'other' };
  const [prefix, image] = parts.length === 1 ? [null, parts[0]] : parts;
  if (prefix !== null && UNSUPPORTED_ARCH_PREFIXES.includes(prefix)) {
    return { kind: 'unmappable', why: `carries the arch prefix ${prefix}/, which create-multiarch-hooks has no arch for` };
  }
  const official = prefix === null || prefix === 'library' || ARCHES.some((a) => a.name === prefix);
  if (!official) return windowsTag ? { kind: 'unmappable', why: 'is a Windows image' } : { kind: 'other' };
  if (windowsTag) return { kind: 'unmappable', why: 'is a Windows image' };
  return { kind: 'official', image, prefix };
}

/** An edit of the reference text: replace [start, end) by `text` (start === end inserts). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * `alpine:3.20` -> `arm64v8/alpine:3.20`: the arch's twin of an official image, tag and
 * `docker.io/` kept, `index.docker.io/` dropped, `library/` or another arch prefix replaced.
 */
export function officialTwin(ref: ImageRef, arch: Arch): { edits: TextEdit[]; text: string } {
  const edits: TextEdit[] = [];
  if (ref.registry !== null && ref.registry.toLowerCase() !== 'docker.io') edits.push({ start: 0, end: ref.pathStart, text: '' });
  const slash = ref.path.indexOf('/');
  if (slash === -1) edits.push({ start: ref.pathStart, end: ref.pathStart, text: `${arch.name}/` });
  else if (ref.path.slice(0, slash) !== arch.name) edits.push({ start: ref.pathStart, end: ref.pathStart + slash, text: arch.name });
  return { edits, text: applyTextEdits(ref.text, edits) };
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}
