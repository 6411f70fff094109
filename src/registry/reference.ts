/**
 * Image references, split once for everything: the Dockerfile rewriter (which needs the offsets
 * of the parts in the string) and the registry client (which needs the registry and repository
 * Docker resolves them to: `alpine` is `docker.io/library/alpine:latest`).
 *
 * Hand-written: distribution/reference's grammar is a few regular expressions, and the npm ports
 * of it do not give the offsets the rewriter needs.
 */
import { UserError } from '../errors.js';

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API lives; `docker.io` itself is not an API host. */
const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key Docker writes Docker Hub logins under, in config.json and in credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** A reference split the way Docker's grammar splits it (`[domain/]path[:tag][@digest]`), as written. */
export interface ParsedRef {
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
/** distribution/reference's digest grammar (`algorithm:hex`, at least 32 hex digits). */
export const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HOST = /^[A-Za-z0-9.-]+(:[0-9]+)?$|^\[[0-9a-fA-F:]+\](:[0-9]+)?$/;

/** Returns null when `text` is not a valid reference. */
export function parseImageRef(text: string): ParsedRef | null {
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
  if (registry !== null && !HOST.test(registry)) return null;
  if (tag !== null && !TAG.test(tag)) return null;
  if (digest !== null && !DIGEST.test(digest)) return null;
  return { text, registry, path, pathStart, tag, digest };
}

/** `docker.io`, `index.docker.io`, ...: the names Docker Hub's registry goes by. */
export function isDockerHubHost(registry: string): boolean {
  return HUB_ALIASES.has(registry.toLowerCase());
}

/** A reference resolved the way Docker resolves it: where to ask, and for what. */
export interface ImageRef {
  /** `host[:port]`, `docker.io` for Docker Hub. */
  registry: string;
  /** `library/alpine`, `acme/demo`, `team/sub/app`. */
  repository: string;
  /** Set unless the reference is by digest only. */
  tag?: string;
  digest?: string;
}

/** `alpine` -> docker.io/library/alpine:latest; a UserError (exit 2) when it is not a reference. */
export function resolveImageRef(input: string): ImageRef {
  const parsed = parseImageRef(input.trim());
  if (!parsed) {
    throw new UserError(`"${input}" is not an image reference; give IMAGE[:TAG], e.g. acme/demo:latest.`, 2);
  }
  const registry = parsed.registry === null || isDockerHubHost(parsed.registry) ? DOCKER_HUB : parsed.registry;
  const repository = registry === DOCKER_HUB && !parsed.path.includes('/') ? `library/${parsed.path}` : parsed.path;
  const digest = parsed.digest ?? undefined;
  const tag = parsed.tag ?? (digest ? undefined : 'latest');
  return { registry, repository, tag, digest };
}

/** The reference as a person would type it (`acme/demo:latest`, `127.0.0.1:5000/x/y:1.0`). */
export function formatImageRef(ref: ImageRef): string {
  let name = ref.repository;
  if (ref.registry === DOCKER_HUB) name = name.replace(/^library\//, '');
  else name = `${ref.registry}/${name}`;
  return `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/**
 * A host name (as URL.hostname gives it: no port, no user, IPv6 in brackets) that never leaves
 * this machine. Takes the parsed host, never a URL string: `http://127.0.0.1:1@other.host/` is
 * other.host.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Docker treats these registries (`host[:port]`) as insecure without being told (plain HTTP allowed). */
export function isLoopback(registry: string): boolean {
  if (!HOST.test(registry)) return false;
  return isLoopbackHost(new URL(`http://${registry}/`).hostname);
}
