/**
 * Renders the Docker Hub hooks: for each hook a Handlebars template (header and configuration,
 * `templates/hooks/<name>.sh.hbs`) followed by the bash runtime pieces it uses
 * (`templates/runtime/*.sh`), inlined so every hook runs on its own from any working directory.
 */
import { type Arch, NATIVE_ARCH, platformString } from '../arch.js';
import type { Pins } from '../pins.js';
import type { Publisher, QemuStrategy } from '../strategies.js';
import { template, templateText } from '../templates.js';

export interface HookConfig {
  version: string;
  arches: Arch[];
  /** `buildkit`: what in that Dockerfile only BuildKit builds (the hook refuses the legacy builder for it). */
  /** `tag`: the arch's per-arch tag name, when not the table's (`armhf` for arm32v7). */
  dockerfiles: { file: string; arch: string; tag?: string; buildkit?: string }[];
  qemu: QemuStrategy;
  publisher: Publisher;
  /** --include: `:TAG` or `@DIGEST` of images of the same repository that every list also names. */
  include?: string[];
  pins: Pins;
}

export type HookName = 'pre_build' | 'build' | 'post_push';
export interface RenderedHook {
  name: HookName;
  content: string;
}

/** The runtime pieces each hook inlines; the last one defines `main`, which goes first. */
export const HOOK_PIECES: Record<HookName, readonly string[]> = {
  pre_build: ['core', 'retry', 'ci', 'arch', 'binfmt', 'main-pre_build'],
  build: ['core', 'arch', 'list', 'context', 'dockerfile', 'revision', 'main-build'],
  post_push: ['core', 'tmp', 'retry', 'arch', 'list', 'revision', 'repo', 'credentials', 'registry', 'publish', 'main-post_push'],
};

/** The pieces a post_push inlines only when its configuration uses them (before main's). */
export const OPTIONAL_PIECES: { piece: string; when: (cfg: HookConfig) => boolean }[] = [
  { piece: 'manifest-tool', when: (cfg) => cfg.publisher === 'manifest-tool' },
  { piece: 'include', when: (cfg) => (cfg.include ?? []).length > 0 },
];
const HOOKS = Object.keys(HOOK_PIECES) as HookName[];

export { shDoubleQuote, shQuote } from './quote.js';

function checkConfig(cfg: HookConfig): void {
  if (cfg.arches.length === 0) throw new Error('renderHooks: no arches');
  for (const a of cfg.arches) {
    if (!/^[a-z0-9]+$/.test(a.name)) throw new Error(`renderHooks: arch name ${a.name} is not [a-z0-9]+`);
    const files = cfg.dockerfiles.filter((d) => d.arch === a.name);
    if (files.length !== 1) throw new Error(`renderHooks: arch ${a.name} needs exactly one Dockerfile, got ${files.length}`);
    if (files[0]!.file.includes('/')) throw new Error(`renderHooks: Dockerfile ${files[0]!.file} must be a basename`);
    const tag = files[0]!.tag ?? a.name;
    if (!/^[a-z0-9][a-z0-9_]*$/.test(tag)) throw new Error(`renderHooks: tag name ${tag} is not [a-z0-9_]+`);
  }
}

/** What the templates see. Arrays are parallel: index i is `arches[i]`. */
function view(cfg: HookConfig, hook: HookName) {
  const entryFor = (a: Arch) => cfg.dockerfiles.find((d) => d.arch === a.name)!;
  return {
    hook,
    version: cfg.version,
    nativeArch: NATIVE_ARCH,
    // The hooks know each arch by its per-arch tag name (the DOCKER_TAG suffix they match).
    archNames: cfg.arches.map((a) => entryFor(a).tag ?? a.name),
    dockerfiles: cfg.arches.map((a) => entryFor(a).file),
    needsBuildkit: cfg.arches.map((a) => entryFor(a).buildkit ?? ''),
    platforms: cfg.arches.map((a) => platformString(a.platform)),
    binfmt: cfg.arches.map((a) => a.binfmt ?? ''),
    qemuBinaries: cfg.arches.map((a) => a.qemu ?? ''),
    qemu: cfg.qemu,
    publisher: cfg.publisher,
    manifestTool: cfg.publisher === 'manifest-tool',
    include: cfg.include ?? [],
    pins: cfg.pins,
  };
}

/** A hook: its template's header and configuration, then the runtime pieces `names` (the last defines main). */
function assemble(file: string, data: object, names: readonly string[]): string {
  const head = template(`hooks/${file}.sh.hbs`)(data).trimEnd();
  // main right under the configuration, so a reader sees the steps first (as in rustup-init.sh).
  const pieces = [names.at(-1)!, ...names.slice(0, -1)].map((p) => `# --- ${p}.sh ---\n${templateText(`runtime/${p}.sh`).trim()}`);
  return `${head}\n\n${pieces.join('\n')}\n\nmain "$@"\n`;
}

/** The pieces hook `name` inlines for `cfg`: its own, plus the optional ones the configuration uses. */
export function hookPieces(cfg: HookConfig, name: HookName): readonly string[] {
  if (name !== 'post_push') return HOOK_PIECES[name];
  const extra = OPTIONAL_PIECES.filter((o) => o.when(cfg)).map((o) => o.piece);
  return [...HOOK_PIECES[name].slice(0, -1), ...extra, HOOK_PIECES[name].at(-1)!];
}

function renderOne(cfg: HookConfig, name: HookName): string {
  return assemble(name, view(cfg, name), hookPieces(cfg, name));
}

// Dockerfiles of one run with the same arches and choices get the same hooks: rendered once.
const rendered = new Map<string, RenderedHook[]>();

export function renderHooks(cfg: HookConfig): RenderedHook[] {
  checkConfig(cfg);
  const key = JSON.stringify(cfg);
  let hooks = rendered.get(key);
  if (!hooks) {
    hooks = HOOKS.map((name) => ({ name, content: renderOne(cfg, name) }));
    if (rendered.size >= 64) rendered.clear();
    rendered.set(key, hooks);
  }
  return hooks.map((h) => ({ ...h }));
}

/** `--strategy buildx`: what its hooks are configured with. */
export interface BuildxHookConfig {
  version: string;
  arches: Arch[];
  /** The user's Dockerfile, a basename (hooks/build builds it for every platform). */
  dockerfile: string;
  /** Also push the per-arch tags (`arm64v8`, `1.2.3-arm64v8`). */
  archTags: boolean;
  pins: Pins;
}

export type BuildxHookName = 'pre_build' | 'build' | 'push';

/**
 * The runtime pieces of the buildx hooks (templates/hooks/buildx-<name>.sh.hbs); pre_build reuses
 * binfmt.sh's check and registration, always with the F flag (buildx builds no per-arch image);
 * build trusts pre_build's check that every platform builds, so it inlines no binfmt.sh.
 */
export const BUILDX_HOOK_PIECES: Record<BuildxHookName, readonly string[]> = {
  pre_build: ['core', 'retry', 'binfmt', 'buildx', 'main-buildx-pre_build'],
  build: ['core', 'arch', 'dockerfile', 'revision', 'buildx', 'main-buildx-build'],
  push: ['core', 'main-buildx-push'],
};

export function renderBuildxHooks(cfg: BuildxHookConfig): { name: BuildxHookName; content: string }[] {
  if (cfg.arches.length === 0) throw new Error('renderBuildxHooks: no arches');
  if (cfg.dockerfile.includes('/')) throw new Error(`renderBuildxHooks: Dockerfile ${cfg.dockerfile} must be a basename`);
  const data = {
    version: cfg.version,
    archNames: cfg.arches.map((a) => a.name),
    platforms: cfg.arches.map((a) => platformString(a.platform)),
    binfmt: cfg.arches.map((a) => a.binfmt ?? ''),
    qemuBinaries: cfg.arches.map((a) => a.qemu ?? ''),
    dockerfile: cfg.dockerfile,
    archTags: cfg.archTags ? 1 : 0,
    pins: cfg.pins,
  };
  return (Object.keys(BUILDX_HOOK_PIECES) as BuildxHookName[]).map((name) => ({
    name,
    content: assemble(`buildx-${name}`, data, BUILDX_HOOK_PIECES[name]),
  }));
}
