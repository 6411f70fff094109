import { type Arch, platformString } from '../arch.js';
import { UserError } from '../errors.js';
import type { QemuStrategy } from '../strategies.js';
import { archArgEdits, archArgs, archArgWarnings } from './arch-args.js';
import type { Binding, Resolved } from './expand.js';
import { fromImageEdits, imagesCopiedFrom } from './from-images.js';
import { applyTextEdits, officialTwin, type TextEdit } from './image-ref.js';
import { type ParsedDockerfile, parseDockerfile } from './parse.js';
import { qemuCopyEdits, qemuCopyWarnings } from './qemu-copy.js';
import { planStages, resolveImage, type StagePlan } from './stages.js';

export interface RewriteOptions {
  qemu: QemuStrategy;
  qemuImage: string;
}
export interface RewriteResult {
  content: string;
  warnings: string[];
}

/**
 * Rewrites by splicing the source at the offsets the parser gives, so everything not edited
 * (comments, continuations, heredocs, directives, each line's CR LF or LF) stays byte for byte.
 * Added lines use the line ending of the source's first line.
 */
export function rewrite(p: ParsedDockerfile, arch: Arch, opts: RewriteOptions): RewriteResult {
  const plans = planStages(p);
  const warnings: string[] = [];
  const platform = platformString(arch.platform);
  const found = archArgs(p, plans);
  /** Stages whose image names the arch through an ARG: archArgWarnings speaks for them. */
  const archNamed = new Set(found.flatMap((a) => a.uses.map((u) => u.stage)));
  const edits: TextEdit[] = [];
  /** The image text each stage must resolve to after the rewrite. */
  const expected = new Map<number, string>();

  for (const plan of plans) {
    const { stage, resolved, ref, platformFlag } = plan;
    if (resolved) expected.set(stage.index, resolved.text);
    // scratch has no image to map, but a literal --platform on it still sets the image's platform.
    if (plan.kind !== 'official' && plan.kind !== 'other' && plan.kind !== 'scratch') continue;
    if (plan.platform === 'literal' && platformFlag?.valueSpan && platformFlag.value !== platform) {
      edits.push({ ...platformFlag.valueSpan, text: platform });
      warnings.push(
        `${p.file} line ${stage.line}: FROM --platform=${platformFlag.value} is replaced by each arch's ` +
          `own platform; use --platform=$BUILDPLATFORM for a stage that should run natively.`,
      );
    }
    if (plan.kind === 'scratch') continue;
    if (plan.kind === 'official') {
      const twin = officialTwin(ref!, arch);
      expected.set(stage.index, twin.text);
      for (const e of twin.edits) edits.push(toSource(p, plan, e));
    } else {
      if (plan.platform === 'none') edits.push({ start: stage.image.start, end: stage.image.start, text: `--platform=${platform} ` });
      if (archNamed.has(stage.index)) continue;
      warnings.push(
        `${p.file} line ${stage.line}: ${ref!.text} is not an official library image, so each arch's ` +
          `Dockerfile selects it with FROM --platform; it must publish every platform you build (check ` +
          `with docker manifest inspect ${ref!.text}).`,
      );
    }
  }

  const byArch = archArgEdits(p, plans, found, arch);
  edits.push(...byArch.edits);
  for (const [stage, image] of byArch.images) expected.set(stage, image);
  warnings.push(...archArgWarnings(p, found), ...pinnedWarnings(p, plans));

  const refEdits = checkOverlaps(p, plans, dedupe(edits));
  if (!refEdits.every((e) => withinOneFrom(p, e)))
    warnings.push(...verify(p, plans, refEdits, expected, new Set(found.map((a) => a.arg.name))));
  const copied = fromImageEdits(p, imagesCopiedFrom(p, plans), arch);
  warnings.push(...copied.warnings);
  const structural = opts.qemu === 'copy' ? qemuCopyEdits(p, plans, arch, opts.qemuImage) : [];
  if (opts.qemu === 'copy' && arch.qemu !== null) warnings.push(...qemuCopyWarnings(p, plans));
  const header: TextEdit = { start: p.directivesEnd, end: p.directivesEnd, text: headerText(p, arch) };
  // Stable sort in applyTextEdits: the header goes before anything else added at the same offset.
  return { content: applyTextEdits(p.source, [header, ...refEdits, ...copied.edits, ...structural]), warnings };
}

/** Arch-independent, so the generator shows each once. */
function pinnedWarnings(p: ParsedDockerfile, plans: StagePlan[]): string[] {
  return plans.flatMap(({ kind, stage, platformFlag, ref }) => {
    if (kind !== 'pinned') return [];
    const how = [platformFlag ? `--platform=${platformFlag.value}` : '', ref!.digest ? 'a digest' : ''].filter(Boolean).join(' and ');
    return [
      `${p.file} line ${stage.line}: stage ${stage.name ?? stage.index} only provides files (no RUN, ` +
        `nothing built FROM it) and is pinned with ${how}, so every arch's Dockerfile keeps it as ` +
        `written; what the other stages copy from it must suit every arch.`,
    ];
  });
}

function headerText(p: ParsedDockerfile, arch: Arch): string {
  const file = p.file.replace(/[\r\n]/g, ' ');
  return [
    `# Generated from ${file} for ${arch.name} (${platformString(arch.platform)}) by create-multiarch-hooks.`,
    `# Do not edit by hand: change ${file} and run create-multiarch-hooks again.`,
    '',
  ].join(p.eol);
}

/** The global ARG whose default holds `offset`, if any. */
function argAt(p: ParsedDockerfile, offset: number) {
  return p.globalArgs.find((a) => a.value && a.value.start <= offset && offset <= a.value.end);
}

/**
 * Maps an edit of the expanded image text back onto the source. It works when the characters
 * it replaces were written next to each other in one place (the FROM or one ARG default).
 */
function toSource(p: ParsedDockerfile, plan: StagePlan, e: TextEdit): TextEdit {
  const pos = (plan.resolved as Resolved).pos;
  if (e.start === e.end) return { start: pos[e.start], end: pos[e.start], text: e.text };
  for (let i = e.start; i < e.end - 1; i++) {
    if (pos[i + 1] !== pos[i] + 1) {
      throw new UserError(
        `${p.file} line ${plan.stage.line}: the image name of ${plan.resolved!.text} is put together ` +
          `from several pieces, which create-multiarch-hooks cannot rewrite; write the registry and image ` +
          `name in one place (the FROM or one ARG default).`,
      );
    }
  }
  return { start: pos[e.start], end: pos[e.end - 1] + 1, text: e.text };
}

function dedupe(edits: TextEdit[]): TextEdit[] {
  return edits.filter((e, i) => edits.findIndex((o) => o.start === e.start && o.end === e.end && o.text === e.text) === i);
}

function sharedArgError(p: ParsedDockerfile, plan: StagePlan, argOffset: number, got: string): UserError {
  const arg = argAt(p, argOffset);
  const where = arg ? `ARG ${arg.name} (line ${arg.line})` : 'a shared ARG';
  return new UserError(
    `${p.file} line ${plan.stage.line}: the rewrite of ${where} for another FROM would make this base ${got}; give each FROM its own ARG.`,
  );
}

/** Two different edits of the same text: one ARG default serves FROMs that need different rewrites. */
function checkOverlaps(p: ParsedDockerfile, plans: StagePlan[], edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (b.start < a.end || (a.start === b.start && (a.start === a.end || b.start === b.end))) {
      const plan = plans.find((pl) => pl.resolved?.pos.includes(b.start)) ?? plans[0];
      throw sharedArgError(p, plan, b.start, 'ambiguous');
    }
  }
  return edits;
}

/**
 * Whether `e` lies inside one FROM's flags and image as written. Such an edit changes only that
 * FROM (no ARG another FROM or stage reads), so verify's second parse is needed only when some
 * edit falls elsewhere (an ARG default): most Dockerfiles are then parsed once per arch, not twice.
 */
function withinOneFrom(p: ParsedDockerfile, e: TextEdit): boolean {
  return p.stages.some((s) => {
    const start = Math.min(s.image.start, ...s.flags.map((f) => f.span.start));
    return start <= e.start && e.end <= s.image.end;
  });
}

/**
 * Parses the rewritten text again and checks that every FROM resolves to what it should: an
 * ARG default rewritten for one FROM must not change another (a `$BUILDPLATFORM` stage, say).
 * Returns warnings for global ARGs whose value changed and that a stage imports (`ARG NAME`).
 */
function verify(
  p: ParsedDockerfile,
  plans: StagePlan[],
  edits: TextEdit[],
  expected: Map<number, string>,
  archArgNames: Set<string>,
): string[] {
  const after = parseDockerfile(applyTextEdits(p.source, edits), p.file);
  for (const plan of plans) {
    const want = expected.get(plan.stage.index);
    if (want === undefined) continue;
    const r = resolveImage(after, after.stages[plan.stage.index]);
    const got = 'text' in r ? r.text : '(unresolvable)';
    if (got !== want) {
      const edited = edits.find((e) => argAt(p, e.start) && plan.resolved!.pos.some((o) => argAt(p, o) === argAt(p, e.start)));
      throw sharedArgError(p, plan, edited?.start ?? -1, got);
    }
  }
  const value = (b: Binding | undefined) => (b && 'value' in b ? (b.value?.text ?? null) : undefined);
  const warnings: string[] = [];
  for (const s of p.stages) {
    for (const a of s.args) {
      // An arch-name ARG is meant to change inside the stage too (archArgWarnings says so).
      if (a.raw !== null || archArgNames.has(a.name) || value(p.env.get(a.name)) === value(after.env.get(a.name))) continue;
      warnings.push(
        `${p.file} line ${a.line}: ARG ${a.name} is also used inside its stage, where it now holds each ` +
          `arch's rewritten base image instead of ${value(p.env.get(a.name))}.`,
      );
    }
  }
  return warnings;
}
