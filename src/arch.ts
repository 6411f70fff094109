import { distance } from 'fastest-levenshtein';

/**
 * The one table of architectures. Dockerfile rewriting, hooks, the manifest spec, the Docker Hub
 * build rules and the CLI help text all read it; nothing else in the code names an architecture.
 */
export interface Platform {
  os: string;
  architecture: string;
  /** Always set for arm and arm64: containerd treats a bare `arm` as v7. */
  variant?: string;
}

export interface Arch {
  /** Official-image prefix and our tag suffix (`arm64v8` -> `arm64v8/alpine`, tag `1.2-arm64v8`). */
  name: string;
  platform: Platform;
  /** qemu-user binary that emulates it on an amd64 builder; null for the native arch. */
  qemu: string | null;
  /** binfmt_misc handler name (`/proc/sys/fs/binfmt_misc/qemu-<handler>`); null when native. */
  binfmt: string | null;
  /** `uname -m` inside a container of this arch (under QEMU arm v5/v6 print armv7l unless QEMU_CPU is set). */
  uname: string;
  /**
   * How image names spell the arch, by convention: Go's GOARCH (`amd64`, `arm64`), with the
   * variant for 32-bit arm (`armv7`, as in `quay.io/prometheus/busybox-linux-armv7`: GOARCH alone
   * is `arm` for v5, v6 and v7, which would give them one image), and the kernel's machine name
   * (`x86_64`, `aarch64`, `armv7l`). A base image named after the builder's arch through an ARG
   * (`ARG ARCH=amd64`, `busybox-linux-${ARCH}`) gets the same convention's spelling of each arch.
   */
  spellings: Record<ArchSpelling, string>;
  /**
   * Other names people give this arch (`--arch`, the prompt): GOARCH, Debian and `uname -m` names.
   * Its platform (`linux/arm/v7`, `arm/v7`) is accepted too without being listed.
   */
  aliases: readonly string[];
}

export type ArchSpelling = 'goarch' | 'machine';

export const ARCHES: readonly Arch[] = [
  {
    name: 'amd64',
    platform: { os: 'linux', architecture: 'amd64' },
    qemu: null,
    binfmt: null,
    uname: 'x86_64',
    spellings: { goarch: 'amd64', machine: 'x86_64' },
    aliases: ['x86_64', 'x86-64', 'x64'],
  },
  {
    name: 'arm32v5',
    platform: { os: 'linux', architecture: 'arm', variant: 'v5' },
    qemu: 'qemu-arm-static',
    binfmt: 'arm',
    uname: 'armv7l',
    spellings: { goarch: 'armv5', machine: 'armv5l' },
    aliases: ['armv5', 'armv5l', 'armel'],
  },
  {
    name: 'arm32v6',
    platform: { os: 'linux', architecture: 'arm', variant: 'v6' },
    qemu: 'qemu-arm-static',
    binfmt: 'arm',
    uname: 'armv7l',
    spellings: { goarch: 'armv6', machine: 'armv6l' },
    aliases: ['armv6', 'armv6l'],
  },
  {
    name: 'arm32v7',
    platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    qemu: 'qemu-arm-static',
    binfmt: 'arm',
    uname: 'armv7l',
    spellings: { goarch: 'armv7', machine: 'armv7l' },
    aliases: ['armv7', 'armv7l', 'armhf', 'arm', 'linux/arm'],
  },
  {
    name: 'arm64v8',
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    qemu: 'qemu-aarch64-static',
    binfmt: 'aarch64',
    uname: 'aarch64',
    spellings: { goarch: 'arm64', machine: 'aarch64' },
    aliases: ['arm64', 'aarch64', 'armv8', 'linux/arm64'],
  },
  {
    name: 'i386',
    platform: { os: 'linux', architecture: '386' },
    qemu: 'qemu-i386-static',
    binfmt: 'i386',
    uname: 'i686',
    spellings: { goarch: '386', machine: 'i686' },
    aliases: ['386', 'x86', 'i686', 'linux/i386'],
  },
  {
    name: 'ppc64le',
    platform: { os: 'linux', architecture: 'ppc64le' },
    qemu: 'qemu-ppc64le-static',
    binfmt: 'ppc64le',
    uname: 'ppc64le',
    spellings: { goarch: 'ppc64le', machine: 'ppc64le' },
    aliases: ['ppc64el'],
  },
  {
    name: 's390x',
    platform: { os: 'linux', architecture: 's390x' },
    qemu: 'qemu-s390x-static',
    binfmt: 's390x',
    uname: 's390x',
    spellings: { goarch: 's390x', machine: 's390x' },
    aliases: [],
  },
  {
    name: 'riscv64',
    platform: { os: 'linux', architecture: 'riscv64' },
    qemu: 'qemu-riscv64-static',
    binfmt: 'riscv64',
    uname: 'riscv64',
    spellings: { goarch: 'riscv64', machine: 'riscv64' },
    aliases: [],
  },
  {
    name: 'mips64le',
    platform: { os: 'linux', architecture: 'mips64le' },
    qemu: 'qemu-mips64el-static',
    binfmt: 'mips64el',
    uname: 'mips64',
    spellings: { goarch: 'mips64le', machine: 'mips64el' },
    aliases: ['mips64el'],
  },
];

/** The builder's own architecture: Docker Hub's builders are amd64. Its image uses the user's Dockerfile. */
export const NATIVE_ARCH = 'amd64';

/** The seeds' set, and ours by default. */
export const DEFAULT_ARCHES: readonly string[] = ['amd64', 'arm32v6', 'arm32v7', 'arm64v8'];

export function archNames(): string[] {
  return ARCHES.map((a) => a.name);
}

export function findArch(name: string): Arch | undefined {
  return ARCHES.find((a) => a.name === name);
}

/** Every name an arch answers to, lowercase: its own, its aliases, its platform with and without `linux/`. */
function namesOf(a: Arch): string[] {
  const platform = platformString(a.platform);
  return [a.name, ...a.aliases, platform, platform.replace(/^linux\//, '')];
}

let byName: Map<string, Arch> | undefined;

/** The table's entry for `amd64`, `x86_64`, `linux/arm64`, `ARMHF`, ...; undefined for a name none has. */
export function resolveArch(input: string): Arch | undefined {
  // Built once: every --arch name of every Dockerfile of a run is looked up here.
  byName ??= new Map(ARCHES.flatMap((a) => namesOf(a).map((n) => [n, a] as const)).reverse());
  return byName.get(input.trim().toLowerCase());
}

/**
 * The table name closest to a name nothing answers to (`arm64v7` -> `arm64v8`), when it is close
 * enough to be a typo; by edit distance over every name and alias (fastest-levenshtein).
 */
export function nearestArch(input: string): string | undefined {
  const name = input.trim().toLowerCase();
  let best: { arch: string; d: number } | undefined;
  for (const a of ARCHES) {
    for (const n of namesOf(a)) {
      const d = distance(name, n);
      if (!best || d < best.d) best = { arch: a.name, d };
    }
  }
  return best && best.d <= (name.length <= 3 ? 1 : 2) ? best.arch : undefined;
}

/** `linux/arm/v7`: the form `--platform` and `FROM --platform=` take. */
export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Arches in table order, whatever order the user gave them in. */
export function sortArches(names: readonly string[]): Arch[] {
  return ARCHES.filter((a) => names.includes(a.name));
}

/**
 * The variant a platform has when it names none, as containerd matches them: `arm` is `arm/v7`,
 * `arm64` is `arm64/v8`, `amd64` is `amd64/v1`. Decided here once for every comparison.
 */
export const DEFAULT_VARIANTS: Readonly<Record<string, string>> = { arm: 'v7', arm64: 'v8', amd64: 'v1' };

/** `linux/arm/v7` for `linux/arm` too: the key two platforms must share to be the same. */
export function platformKey(p: Platform): string {
  return platformString({ ...p, variant: p.variant || DEFAULT_VARIANTS[p.architecture] });
}
