import { chmodSync, existsSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import fse from 'fs-extra';
import { UserError } from '../errors.js';
import { gitAddExecutable } from './git.js';
import type { Plan, PlannedFile } from './plan.js';

export interface ApplyResult {
  written: PlannedFile[];
  deleted: PlannedFile[];
  backups: string[];
  /** Hooks staged with mode 100755; false when staging failed. */
  staged: boolean | undefined;
}

/**
 * The only step that writes. Every new content goes to a temporary file beside its target first;
 * only when all of them are written are they renamed into place, so a failure (disk full, a
 * permission) leaves the repo as it was.
 */
export function applyPlans(plans: readonly Plan[], opts: { force: boolean }): ApplyResult {
  for (const plan of plans) {
    const conflicts = plan.files.filter((f) => f.action === 'conflict');
    if (conflicts.length > 0 && !opts.force) throw conflictError(plan, conflicts);
  }
  const isWrite = (f: PlannedFile) => f.action === 'create' || f.action === 'update' || f.action === 'conflict';
  const writes = plans.flatMap((plan) => plan.files.filter(isWrite).map((file) => ({ plan, file })));
  const deletes = plans.flatMap((plan) => plan.files.filter((f) => f.action === 'delete').map((file) => ({ plan, file })));
  const temps: { tmp: string; target: string; file: PlannedFile }[] = [];
  try {
    for (const { plan, file: f } of writes) {
      const target = join(plan.repo.dir, f.path);
      fse.ensureDirSync(dirname(target));
      const tmp = join(dirname(target), `.${basename(target)}.cmh-${process.pid}.tmp`);
      temps.push({ tmp, target, file: f });
      writeFileSync(tmp, f.content, { mode: f.mode });
      chmodSync(tmp, f.mode); // the umask must not take the executable bit off a hook
    }
  } catch (e) {
    for (const t of temps) if (existsSync(t.tmp)) unlinkSync(t.tmp);
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`Could not write ${err.path ?? 'the generated files'} (${err.code ?? err.message}); nothing was changed. Free space or fix permissions and try again.`);
  }
  const backups: string[] = [];
  for (const t of temps) {
    if (t.file.action === 'conflict') {
      const backup = freeBackupName(t.target);
      fse.copySync(t.target, backup, { preserveTimestamps: true });
      backups.push(backup);
    }
    renameSync(t.tmp, t.target);
  }
  for (const d of deletes) fse.removeSync(join(d.plan.repo.dir, d.file.path));

  let staged: boolean | undefined;
  const gitPlans = plans.filter((p) => p.repo.isGit);
  if (gitPlans.length > 0) {
    const hooks = gitPlans.flatMap((p) => p.files.filter((f) => f.mode === 0o755 && f.action !== 'delete').map((f) => join(p.repo.dir, f.path)));
    staged = gitAddExecutable(gitPlans[0]!.repo.root, hooks);
  }
  return { written: writes.map((w) => w.file), deleted: deletes.map((d) => d.file), backups, staged };
}

function freeBackupName(target: string): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${target}.bak` : `${target}.bak.${i}`;
    if (!existsSync(name)) return name;
  }
}

export function conflictError(plan: Plan, conflicts: PlannedFile[]): UserError {
  const list = conflicts.map((c) => `${c.path} (${c.reason})`).join(', ');
  return new UserError(`Refusing to overwrite ${list}; move your changes elsewhere, or re-run with --force to overwrite (a .bak copy is kept).`);
}
