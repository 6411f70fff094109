import { type Arch, type ArchSpelling, DEFAULT_ARCHES, NATIVE_ARCH, findArch } from '../arch.js';
import { applyTextEdits, type TextEdit } from './image-ref.js';
import type { ArgDecl, ParsedDockerfile } from './parse.js';
import type { StagePlan } from './stages.js';

/**
 * A global ARG whose default is the builder's arch as image names spell it (`ARG ARCH=amd64`,
 * `ARG DISTROLESS_ARCH=amd64`, `ARG ARCH=x86_64`) and that a target-platform base image of
 * another publisher is named with (`quay.io/acme/busybox-linux-${ARCH}`, `...:nonroot-${ARCH}`).
 * Left alone, every arch would be built from the amd64 image; so each arch's Dockerfile sets the
 * default to that arch's spelling of the same convention (arch.ts `spellings`).
 */
export interface ArchArg {
  arg: ArgDecl;
  convention: ArchSpelling;
  /** Where the name is written in the source (inside the default's quotes, if any). */
  start: number;
  end: number;
  /** Indexes of the stages whose base image contains it, with the offset of the name in their resolved image. */
  uses: { stage: number; at: number }[];
  /**
   * Stages that declare it again with the same default (`ARG ARCH="amd64"` after the FROM, as
   * Prometheus' Dockerfiles do to `COPY .build/linux-${ARCH}/...`): where that default is written.
   */
  restated: { start: number; end: number }[];
}

const LABEL: Record<ArchSpelling, string> = { goarch: 'Go-style', machine: 'uname -m' };

export function archArgs(p: ParsedDockerfile, plans: readonly StagePlan[]): ArchArg[] {
  const native = findArch(NATIVE_ARCH)!;
  const out: ArchArg[] = [];
  for (const [name, binding] of p.env) {
    if (!('value' in binding) || binding.value === null) continue;
    const { text, pos } = binding.value;
    const convention = (Object.keys(native.spellings) as ArchSpelling[]).find((c) => native.spellings[c] === text);
    // Written in one piece, so it can be replaced where it is written.
    if (!convention || pos.some((o, i) => i > 0 && o !== pos[i - 1] + 1)) continue;
    const arg = p.globalArgs.find((a) => a.name === name && a.value && a.value.start <= pos[0] && pos[0] < a.value.end);
    if (!arg) continue;
    const uses: ArchArg['uses'] = [];
    for (const plan of plans) {
      // Official bases are mapped by their arch prefix, build-platform stages are the builder's.
      if (plan.kind !== 'other' || !plan.resolved) continue;
      const at = plan.resolved.pos.indexOf(pos[0]);
      if (at !== -1 && pos.every((o, i) => plan.resolved!.pos[at + i] === o)) uses.push({ stage: plan.stage.index, at });
    }
    if (uses.length > 0)
      out.push({ arg, convention, start: pos[0], end: pos[pos.length - 1] + 1, uses, restated: restatements(p, name, text) });
  }
  return out;
}

/** Where stages declare `name` again with the default `value`, bare or in quotes. */
function restatements(p: ParsedDockerfile, name: string, value: string): { start: number; end: number }[] {
  return p.stages.flatMap((s) =>
    s.args.flatMap((a) => {
      if (a.name !== name || !a.value || a.raw === null) return [];
      if (a.raw === value) return [{ start: a.value.start, end: a.value.end }];
      const quoted = [`"${value}"`, `'${value}'`].includes(a.raw);
      return quoted ? [{ start: a.value.start + 1, end: a.value.end - 1 }] : [];
    }),
  );
}

/** The edits that give each ARG `arch`'s spelling, and each affected stage's image after them. */
export function archArgEdits(p: ParsedDockerfile, plans: readonly StagePlan[], found: readonly ArchArg[], arch: Arch) {
  const edits: TextEdit[] = [];
  /** Per stage, the edits of its resolved image text. */
  const perStage = new Map<number, TextEdit[]>();
  for (const a of found) {
    const text = arch.spellings[a.convention];
    edits.push({ start: a.start, end: a.end, text }, ...a.restated.map((r) => ({ ...r, text })));
    for (const u of a.uses) perStage.set(u.stage, [...(perStage.get(u.stage) ?? []), { start: u.at, end: u.at + (a.end - a.start), text }]);
  }
  const images = new Map([...perStage].map(([stage, e]) => [stage, applyTextEdits(plans[stage].resolved!.text, e)]));
  return { edits, images };
}

/** One warning per ARG, the same for every arch (the generator shows it once). */
export function archArgWarnings(p: ParsedDockerfile, found: readonly ArchArg[]): string[] {
  return found.map((a) => {
    const value = p.source.slice(a.start, a.end);
    const stage = p.stages[a.uses[0].stage];
    const others = DEFAULT_ARCHES.filter((n) => n !== NATIVE_ARCH).map((n) => findArch(n)!.spellings[a.convention]);
    return (
      `${p.file} line ${a.arg.line}: ARG ${a.arg.name}=${value} names the architecture in the base ` +
      `image ${stage.image.raw} (line ${stage.line}), so each arch's Dockerfile sets it to that arch's ` +
      `${LABEL[a.convention]} name (${others.join(', ')}, ...), also in the stages that import ` +
      `it${a.restated.length > 0 ? ` or declare it again with ${value}` : ''}; that image must exist ` +
      `under each of those names.`
    );
  });
}
