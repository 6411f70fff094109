import { join } from 'node:path';
import { gitStage } from './git.js';
import type { Plan } from './plan.js';

/**
 * Stages every file the plans generate except the hooks (applyPlans stages those with the
 * executable bit), and the removal of files a plan deleted, so that the index holds one
 * consistent set. Returns false when git refused.
 */
export function stageGenerated(plans: readonly Plan[]): boolean {
  const gitPlans = plans.filter((p) => p.repo.isGit);
  if (gitPlans.length === 0) return true;
  const add = gitPlans.flatMap((p) =>
    p.files.filter((f) => f.action !== 'delete' && f.mode !== 0o755).map((f) => join(p.repo.dir, f.path)),
  );
  const remove = gitPlans.flatMap((p) => p.files.filter((f) => f.action === 'delete').map((f) => join(p.repo.dir, f.path)));
  return gitStage(gitPlans[0]!.repo.root, add, remove);
}
