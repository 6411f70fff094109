import { ARCHES, DEFAULT_ARCHES, NATIVE_ARCH, archNames, nearestArch, resolveArch } from '../arch.js';
import { UserError } from '../errors.js';

import { type CiChoice, PUBLISHERS, type Publisher, QEMU_STRATEGIES, type QemuStrategy, STRATEGIES, type Strategy } from '../strategies.js';

/** Every choice the generator makes; each has a flag, a prompt (on a TTY) and a default. */
export interface Choices {
  repository: string;
  arches: string[];
  qemu: QemuStrategy;
  publisher: Publisher;
  branch: string;
  /** The build context as entered in Docker Hub, relative to the repo root (`/` = root). */
  context: string;
  /** The regex rule for version tags, e.g. `/^v([0-9.]+)$/`; empty string: no tag rules. */
  tagRegex: string;
  /** Also write this CI's pipeline building the same images (for after Docker Hub autobuilds retire). */
  ci: CiChoice;
  /** The CI pipeline also publishes the per-arch tags (`arm64v8`, `1.2.3-arm64v8`) the Docker Hub rules published. */
  archTags: boolean;
  /** How Docker Hub builds the platforms: one rule per arch (per-arch) or one buildx build per source (buildx). */
  strategy: Strategy;
  /**
   * The CI pipeline has replaced the Docker Hub autobuilds: the hooks, the rules file and unneeded
   * per-arch Dockerfiles are no longer generated.
   */
  retired: boolean;
  /**
   * The per-arch tag name of an arch whose tags are not named after the table (`arm32v7` ->
   * `armhf`), kept from a hand-made setup so existing pulls of its tags keep working; an arch
   * not listed is tagged with its table name.
   */
  archTagNames: Record<string, string>;
  /** Images built elsewhere (`acme/demo:windows-ltsc2022`) that every published list also names by digest (include.ts). */
  include: string[];
  /** Whether verify lets the included images' revision differ from the Linux images' (`any`) or not (`same`). */
  includeRevision: 'same' | 'any';
}

/** A per-arch tag name: a tag's last part after `-` (`1.2-armhf`), so no `-` or `.` in it. */
export const TAG_NAME_RE = /^[a-z0-9][a-z0-9_]*$/;

/** The tag name of `arch`: the user's (archTagNames), else the table's. */
export function tagNameOf(choices: Pick<Choices, 'archTagNames'>, arch: string): string {
  return choices.archTagNames?.[arch] ?? arch;
}

export const DEFAULT_TAG_REGEX = '/^v([0-9.]+)$/';

// Docker's reference grammar for a repository: optional registry host[:port], then lowercase
// path components separated by `/`; no tag, no digest (tags come from the build rules).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)';
const REPOSITORY_RE = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);

export function validateRepository(value: string): string {
  const repo = value.trim().replace(/^(?:docker\.io|index\.docker\.io)\//, '');
  if (/[:@][^/]*$/.test(repo) && !/^[^/]+:[0-9]+\/[^:@]+$/.test(repo)) {
    throw new UserError(
      `Repository "${value}" has a tag or digest; give the repository only (e.g. acme/demo): the tags come from the build rules.`,
    );
  }
  if (!REPOSITORY_RE.test(repo)) {
    throw new UserError(`"${value}" is not a valid image repository; use lowercase namespace/name as on Docker Hub, e.g. acme/demo.`);
  }
  if (!repo.includes('/')) {
    throw new UserError(`Repository "${value}" has no namespace; Docker Hub repositories are namespace/name, e.g. acme/${repo}.`);
  }
  return repo;
}

/**
 * Accepts `arm64v8,arm32v7`, a list, or both; each name is the table's or one of its aliases
 * (`aarch64`, `linux/arm64`, `armhf`). Returns table names in table order.
 */
export function parseArchList(input: string | readonly string[]): string[] {
  const names = (Array.isArray(input) ? input : [input])
    .flatMap((s) => String(s).split(/[\s,]+/))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UserError(`No architecture given; choose from ${archNames().join(', ')}.`);
  const unknown = names.filter((n) => !resolveArch(n));
  if (unknown.length > 0) {
    const named = unknown.map((u) => {
      const near = nearestArch(u);
      return near ? `"${u}" (did you mean ${near}?)` : `"${u}"`;
    });
    throw new UserError(`Unknown architecture ${named.join(', ')}; choose from ${archNames().join(', ')}.`);
  }
  const chosen = names.map((n) => resolveArch(n)!.name);
  return ARCHES.filter((a) => chosen.includes(a.name)).map((a) => a.name);
}

/** The generator's target set: known arches, sorted by the table, always with the native one. */
export function parseArches(input: string | readonly string[]): string[] {
  const names = parseArchList(input);
  if (!names.includes(NATIVE_ARCH)) {
    throw new UserError(
      `The architecture list must include ${NATIVE_ARCH}: the builder's own arch builds your Dockerfile unchanged; add it to --arch.`,
    );
  }
  return names;
}

export function validateQemu(value: string): QemuStrategy {
  if ((QEMU_STRATEGIES as readonly string[]).includes(value)) return value as QemuStrategy;
  throw new UserError(
    `Unknown QEMU strategy "${value}"; use --qemu binfmt (default) or --qemu copy (builders with kernels older than 4.8).`,
  );
}

export function validatePublisher(value: string): Publisher {
  if ((PUBLISHERS as readonly string[]).includes(value)) return value as Publisher;
  throw new UserError(`Unknown publisher "${value}"; use --publisher docker (default) or --publisher manifest-tool.`);
}

export function validateStrategy(value: string): Strategy {
  if ((STRATEGIES as readonly string[]).includes(value)) return value as Strategy;
  throw new UserError(
    `Unknown strategy "${value}"; use --strategy per-arch (default: one build rule per arch) or ` +
      `--strategy buildx (one build rule builds every platform).`,
  );
}

export function validateTagRegex(value: string): string {
  if (value === '') return value;
  const m = /^\/(.*)\/$/.exec(value);
  if (!m) throw new UserError(`Tag rule "${value}" must be a regex between slashes, like ${DEFAULT_TAG_REGEX}.`);
  try {
    const re = new RegExp(m[1]!);
    if (!/\((?!\?)/.test(m[1]!)) throw new Error('no group');
    void re;
  } catch {
    throw new UserError(`Tag rule "${value}" must be a valid regex with one capture group for the version, like ${DEFAULT_TAG_REGEX}.`);
  }
  return value;
}

export function validateContext(value: string): string {
  const v = value.trim().replace(/\\/g, '/');
  if (v.split('/').includes('..'))
    throw new UserError(`Build context "${value}" leaves the repository; give a path inside it, e.g. / or /docker.`);
  const clean =
    '/' +
    v
      .split('/')
      .filter((p) => p && p !== '.')
      .join('/');
  return clean;
}

export { DEFAULT_ARCHES };
