import { posix, relative } from 'node:path';
import { applyPlan, conflictError } from './apply.js';
import { type ChoiceFlags, resolveChoices } from './choices.js';
import { buildPlan } from './plan.js';
import { readRepo } from './repo.js';
import { formatPlan, formatRules } from './report.js';
import { RULES_FILE } from './rules-file.js';

const CHECK_LABEL: Record<string, string> = { create: 'missing', update: 'out of date', delete: 'stale', conflict: 'changed by hand' };

export interface GenerateOptions {
  cwd: string;
  dockerfile: string;
  flags: ChoiceFlags;
  dryRun: boolean;
  check: boolean;
  force: boolean;
  out: (s: string) => void;
  warn: (s: string) => void;
}

/** read -> choose -> plan -> (check | dry run | apply). Returns the exit code. */
export async function runGenerate(o: GenerateOptions): Promise<number> {
  const repo = readRepo(o.cwd, o.dockerfile);
  const choices = await resolveChoices(repo, o.flags);
  const plan = buildPlan(repo, choices);
  const where = relative(o.cwd, repo.dir);
  const shown = (p: string) => posix.normalize(where ? `${where}/${p}` : p);
  const pending = plan.files.filter((f) => f.action !== 'unchanged');

  if (o.check) {
    if (pending.length === 0) {
      o.out(`All ${plan.files.length} generated files are up to date.`);
      return 0;
    }
    for (const f of pending) o.out(`${CHECK_LABEL[f.action]}: ${shown(f.path)}`);
    o.out('Run npx create-multiarch-hooks to regenerate them, then commit.');
    return 1;
  }

  for (const w of plan.warnings) o.warn(w);
  o.out(formatPlan(plan));
  if (o.dryRun) {
    o.out('');
    o.out(formatRules(plan));
    o.out('');
    o.out('Dry run: nothing was written.');
    return 0;
  }
  if (pending.length === 0) {
    o.out('');
    o.out('Everything is up to date; nothing changed.');
    return 0;
  }
  const conflicts = plan.files.filter((f) => f.action === 'conflict');
  if (conflicts.length > 0 && !o.force) throw conflictError(plan, conflicts);

  const result = applyPlan(plan, { force: o.force });
  for (const b of result.backups) o.warn(`kept your previous version as ${relative(o.cwd, b)}`);
  if (result.staged === false) o.warn('could not stage the hooks with git; run git add --chmod=+x hooks/* before committing.');
  o.out('');
  o.out(formatRules(plan));
  o.out('');
  o.out(
    [
      `Next: commit the files${result.staged ? ' (the hooks are staged as executable)' : ''}, enter the build rules above in Docker Hub`,
      `(they are also in ${shown(RULES_FILE)}), push, and when the builds finish run: npx create-multiarch-hooks verify`,
    ].join('\n'),
  );
  return 0;
}
