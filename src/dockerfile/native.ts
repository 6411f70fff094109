import type { Arch, Platform } from '../arch.js';
import { UserError } from '../errors.js';
import { fromText, imagesCopiedFrom } from './from-images.js';
import { classify, type ImageRef } from './image-ref.js';
import type { ParsedDockerfile } from './parse.js';
import { planStages, type StagePlan } from './stages.js';

/**
 * The user's Dockerfile is not rewritten: it builds the native arch's tag as it is. So every
 * stage that runs on the target platform must be of that arch, or the native tag silently
 * publishes another arch: an official image with another arch's prefix (`arm32v7/alpine`, in a
 * FROM or a `COPY --from=`), or a literal `FROM --platform=` of another platform. The native
 * arch's own prefix (`amd64/alpine`) and platform are fine; each arch's Dockerfile replaces
 * them. `$BUILDPLATFORM` stages are the builder's business and are not checked.
 */
export function checkNative(p: ParsedDockerfile, arch: Arch): void {
  const plans = planStages(p);
  for (const plan of plans) {
    if (plan.native || plan.kind === 'pinned') continue;
    checkPlatformFlag(p, plan, arch);
    if (plan.kind === 'official') checkPrefix(p, plan.stage.line, plan.ref!, `${plan.ref!.text} is`, arch);
  }
  for (const f of imagesCopiedFrom(p, plans)) {
    if (f.kind === 'official') checkPrefix(p, f.at.line, f.ref, `${fromText(f.at)} copies from`, arch);
  }
}

/** `subject` opens the message: `arm32v7/alpine is` or `COPY --from=arm32v7/alpine copies from`. */
function checkPrefix(p: ParsedDockerfile, line: number, ref: ImageRef, subject: string, arch: Arch): void {
  const c = classify(ref);
  if (c.kind !== 'official' || c.prefix === null || c.prefix === 'library' || c.prefix === arch.name) return;
  const plain = ref.text.slice(0, ref.pathStart) + c.image + ref.text.slice(ref.pathStart + ref.path.length);
  throw new UserError(
    `${p.file} line ${line}: ${subject} the ${c.prefix} image, but ${p.file} itself builds the ` +
      `${arch.name} tag; use the plain official image ${plain}, which each arch's Dockerfile turns ` +
      `into its own.`,
  );
}

function checkPlatformFlag(p: ParsedDockerfile, plan: StagePlan, arch: Arch): void {
  const value = plan.platformFlag?.value;
  if (plan.platform !== 'literal' || plan.kind === 'stage' || !value || samePlatform(value, arch.platform)) return;
  throw new UserError(
    `${p.file} line ${plan.stage.line}: --platform=${value} makes this stage ${value}, but ${p.file} ` +
      `itself builds the ${arch.name} tag; drop the flag, since each arch's Dockerfile sets its own ` +
      `platform, or make it --platform=$BUILDPLATFORM for a stage that should run natively.`,
  );
}

/** Names containerd normalises to the same architecture (platforms.Normalize), as users write them. */
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64' };

/**
 * `linux/amd64`, `amd64`, `linux/x86_64` all name the amd64 platform. A variant counts only when
 * both sides give one: `linux/amd64/v2` is still an amd64 image.
 */
function samePlatform(value: string, want: Platform): boolean {
  const parts = value.toLowerCase().split('/');
  const [os, architecture, variant] = parts.length === 1 ? [want.os, parts[0], undefined] : parts;
  if (os !== want.os || (ARCH_ALIASES[architecture] ?? architecture) !== want.architecture) return false;
  return variant === undefined || want.variant === undefined || variant === want.variant;
}
