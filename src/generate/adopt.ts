import { UserError } from '../errors.js';
import type { PlannedFile } from './plan.js';

/**
 * Adopting a hand-made setup (hand-made.ts recognises its files): `--adopt`, or one confirmation on
 * a terminal, replaces them with the generated files, keeping `.bak` copies. A file that does more
 * than the recipe (`handMade.beyond`) is never replaced that way without saying what would be lost.
 */

/** Only the recognised hand-made files among `conflicts`, when that is all of them. */
export function handMadeOnly(conflicts: readonly PlannedFile[]): PlannedFile[] | undefined {
  return conflicts.length > 0 && conflicts.every((f) => f.handMade) ? [...conflicts] : undefined;
}

/** What replacing these files loses, one phrase per file that does more than the recipe. */
export function losses(files: readonly PlannedFile[]): string[] {
  return files.flatMap((f) => (f.handMade?.beyond.length ? [`${f.path} ${f.handMade.beyond.join(' and ')}`] : []));
}

/**
 * The refusal for conflicts that are all a hand-made setup's files: without --adopt it names
 * --adopt; with it, only when a file does more than the recipe. Undefined when --adopt may
 * replace them, or when some conflict is not hand-made (the usual --force refusal applies).
 */
export function adoptRefusal(conflicts: readonly PlannedFile[], adopt: boolean): UserError | undefined {
  const files = handMadeOnly(conflicts);
  if (!files) return undefined;
  const lost = losses(files);
  if (!adopt) {
    return new UserError(
      `${files.map((f) => f.path).join(', ')} ${files.length === 1 ? 'is' : 'are'} a hand-made multi-arch setup (see above); re-run with --adopt to replace ${files.length === 1 ? 'it' : 'them'} with the generated files (a .bak copy of each is kept)${lost.length > 0 ? ', after moving what only they do elsewhere' : ''}.`,
    );
  }
  if (lost.length === 0) return undefined;
  return new UserError(
    `--adopt does not replace files that do more than the recipe: ${lost.join('; ')}, which would be lost; move that elsewhere (another hook, the Dockerfile) and re-run with --adopt, or re-run with --force to replace them anyway (a .bak copy of each is kept).`,
  );
}

/** The one question on a terminal: what will be replaced, and what would be lost. */
export function adoptQuestion(files: readonly PlannedFile[]): { help: string; text: string } {
  const lost = losses(files);
  const help = [
    `These files are a hand-made multi-arch setup; adopting it replaces them with the generated ones, keeping each as <file>.bak:`,
    ...files.map((f) => `  ${f.path} (${f.reason})`),
    ...(lost.length > 0
      ? ['They also do more than the recipe, which the generated files do not; replacing them loses:', ...lost.map((l) => `  ${l}`)]
      : []),
  ].join('\n');
  return {
    help,
    text:
      lost.length > 0 ? `Replace them anyway and lose what is listed above? [y/N]` : `Replace them (a .bak copy of each is kept)? [y/N]`,
  };
}
