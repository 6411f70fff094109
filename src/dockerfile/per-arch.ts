import { ARCHES } from '../arch.js';
import { imagesCopiedFrom } from './from-images.js';
import { classify } from './image-ref.js';
import { parseDockerfile } from './parse.js';
import { planStages } from './stages.js';

const ARCH_PREFIXES = new Set(ARCHES.map((a) => a.name));

/**
 * Why BuildKit cannot build this Dockerfile for every platform at once with `--platform`, so
 * each arch needs the per-arch Dockerfile the rewriter wrote: a FROM with a literal
 * `--platform=` (the rewriter replaces it per arch), or an official image written with an arch
 * prefix (`amd64/alpine`: `--platform` cannot pick another arch of it). Every other edit of the
 * rewriter (an official twin for an unprefixed image, `--platform=` on another base, the twins
 * in `COPY --from=`, `--qemu copy`) is what `--platform` does by itself. Empty: one build of the
 * user's own Dockerfile serves every platform.
 */
export function perArchReasons(source: string, displayPath: string): string[] {
  const p = parseDockerfile(source, displayPath);
  const plans = planStages(p);
  const reasons: string[] = [];
  for (const plan of plans) {
    if (plan.native) continue;
    if (plan.platform === 'literal' && plan.platformFlag?.value) {
      reasons.push(`${p.file} line ${plan.stage.line}: FROM --platform=${plan.platformFlag.value} names one platform`);
    }
    if (plan.kind === 'official' && plan.ref) {
      const c = classify(plan.ref);
      if (c.kind === 'official' && c.prefix !== null && ARCH_PREFIXES.has(c.prefix)) {
        reasons.push(`${p.file} line ${plan.stage.line}: ${plan.ref.text} names one arch`);
      }
    }
  }
  for (const img of imagesCopiedFrom(p, plans)) {
    if (img.kind === 'official' && img.prefix !== null && ARCH_PREFIXES.has(img.prefix)) {
      reasons.push(`${p.file} line ${img.at.line}: ${img.at.keyword} --from=${img.at.value} names one arch`);
    }
  }
  return reasons;
}
