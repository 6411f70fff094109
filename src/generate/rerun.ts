import { shQuote } from '../hooks/quote.js';
import type { ChoiceFlags } from './resolve-choices.js';

/**
 * The generator's command line that redoes this run from the same folder: the same Dockerfiles
 * and choice flags (so it plans what was just checked), `--force` when asked for. Messages name
 * it as the next step, so it must work exactly as printed.
 */
export function generatorCommand(dockerfiles: readonly string[], flags: ChoiceFlags, force: boolean): string {
  const args: string[] = [];
  const defaultOnly = dockerfiles.length === 1 && dockerfiles[0] === 'Dockerfile';
  if (!defaultOnly) for (const d of dockerfiles) args.push('--dockerfile', d);
  const value = (flag: string, v: string | readonly string[] | undefined) => {
    if (v !== undefined) args.push(flag, Array.isArray(v) ? v.join(',') : (v as string));
  };
  value('--repo', flags.repo);
  value('--arch', flags.arch);
  value('--qemu', flags.qemu);
  value('--publisher', flags.publisher);
  value('--branch', flags.branch);
  value('--context', flags.context);
  value('--tag-regex', flags.tagRegex);
  value('--ci', flags.ci);
  value('--strategy', flags.strategy);
  if (force) args.push('--force');
  return ['npx', 'create-multiarch-hooks', ...args.map(shQuote)].join(' ');
}
