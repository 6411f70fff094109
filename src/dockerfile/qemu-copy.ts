import type { Arch } from '../arch.js';
import type { TextEdit } from './image-ref.js';
import type { ParsedDockerfile } from './parse.js';
import type { StagePlan } from './stages.js';

const STAGE_NAME = 'qemu-user-static';

/**
 * `--qemu copy`, for builders whose kernel registers binfmt handlers without the F flag: the
 * emulator must exist inside every image that runs emulated RUN instructions. Adds a stage
 * holding the static qemu binaries before the first FROM (after the global ARGs, which must stay
 * before it to remain global) and copies the arch's binary into each emulated stage right
 * after its FROM. Stages that run natively (`--platform=$BUILDPLATFORM`), scratch and stage
 * references (which inherit the binary) get nothing.
 */
export function qemuCopyEdits(p: ParsedDockerfile, plans: StagePlan[], arch: Arch, qemuImage: string): TextEdit[] {
  const emulated = plans.filter((pl) => pl.kind === 'official' || pl.kind === 'other');
  if (arch.qemu === null || emulated.length === 0) return [];
  const name = stageName(p);
  const at = p.globalArgsEnd ?? p.directivesEnd;
  const edits: TextEdit[] = [
    {
      start: at,
      end: at,
      text: [
        `# Static QEMU copied into each emulated stage (create-multiarch-hooks --qemu copy).`,
        `FROM ${qemuImage} AS ${name}`,
        '',
        '',
      ].join(p.eol),
    },
  ];
  const bin = `/usr/bin/${arch.qemu}`;
  for (const { stage } of emulated) {
    // A FROM on the last line without a line break needs one before the added line.
    const lead = stage.after === p.source.length && !p.source.endsWith('\n') ? p.eol : '';
    edits.push({ start: stage.after, end: stage.after, text: `${lead}COPY --from=${name} ${bin} ${bin}${p.eol}` });
  }
  // The added stage comes first, so stages referred to by index (COPY --from=0) move up by one.
  for (const r of p.fromReferences) {
    if (/^\d+$/.test(r.value)) edits.push({ start: r.start, end: r.end, text: String(Number(r.value) + 1) });
  }
  return edits;
}

/** `qemu-user-static`, or `qemu-user-static-2`, ... when the Dockerfile already uses that name. */
function stageName(p: ParsedDockerfile): string {
  const taken = new Set<string>([
    ...p.stages.flatMap((s) => [s.name?.toLowerCase() ?? '', s.image.raw.toLowerCase()]),
    ...p.fromReferences.map((r) => r.value.toLowerCase()),
  ]);
  let name = STAGE_NAME;
  for (let n = 2; taken.has(name); n++) name = `${STAGE_NAME}-${n}`;
  return name;
}

/**
 * ONBUILD triggers of a base image run at its FROM, before the COPY that brings the emulator in,
 * so an emulated RUN trigger fails there. Official images have none (their `onbuild` variants,
 * now retired, were exactly that); any other image may, and we cannot see it offline.
 */
export function qemuCopyWarnings(p: ParsedDockerfile, plans: StagePlan[]): string[] {
  const warnings: string[] = [];
  for (const { kind, ref, stage } of plans) {
    if (!ref || (kind !== 'official' && kind !== 'other')) continue;
    const onbuildTag = ref.tag !== null && /onbuild/i.test(ref.tag);
    if (kind === 'official' && !onbuildTag) continue;
    const what = onbuildTag
      ? `${ref.text} is an ONBUILD image, whose triggers run`
      : `any ONBUILD trigger of ${ref.text} (docker inspect -f '{{json .Config.OnBuild}}' ${ref.text}) runs`;
    warnings.push(
      `${p.file} line ${stage.line}: with --qemu copy, ${what} at the FROM, before the emulator is ` +
        `copied in, so a RUN trigger fails there; use --qemu ` +
        `binfmt (kernel 4.8 or later) for such a base.`,
    );
  }
  return warnings;
}
