/**
 * Image references as Docker reads them: `alpine` is `docker.io/library/alpine:latest`, a first
 * component with a `.` or `:` (or `localhost`) is a registry host.
 */
import { UserError } from '../errors.js';

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API lives; `docker.io` itself is not an API host. */
const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key Docker writes Docker Hub logins under, in config.json and in credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface ImageRef {
  /** `host[:port]`, `docker.io` for Docker Hub. */
  registry: string;
  /** `library/alpine`, `acme/demo`, `team/sub/app`. */
  repository: string;
  /** Set unless the reference is by digest only. */
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

export function parseImageRef(input: string): ImageRef {
  const bad = (why: string) =>
    new UserError(`"${input}" is not an image reference (${why}); give IMAGE[:TAG], e.g. acme/demo:latest.`, 2);
  let rest = input.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw bad(`bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  if (HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) throw bad('bad repository name');
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: parts.join('/'), tag, digest };
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

/** Docker treats these as insecure registries without being told (plain HTTP allowed). */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
