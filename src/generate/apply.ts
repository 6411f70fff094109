import {
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { UserError } from '../errors.js';
import { gitAddExecutable } from './git.js';
import { restoreIndex, snapshotIndex } from './git-index.js';
import type { Plan, PlannedFile } from './plan.js';
import { stageGenerated } from './stage.js';
import { adoptRefusal, handMadeOnly } from './adopt.js';

export interface ApplyResult {
  written: PlannedFile[];
  deleted: PlannedFile[];
  backups: string[];
  /** Hooks staged with mode 100755; false when staging failed. */
  staged: boolean | undefined;
}

/**
 * Why a real run would stop before writing (conflicts without --force; with --adopt, conflicts
 * that are not a recognised hand-made setup or that do more than it), or undefined. Shared with --dry-run.
 */
export function refusal(plans: readonly Plan[], opts: { force: boolean; adopt?: boolean }): UserError | undefined {
  if (opts.force) return undefined;
  for (const plan of plans) {
    const conflicts = plan.files.filter((f) => f.action === 'conflict');
    if (conflicts.length === 0) continue;
    // A hand-made setup's files: --adopt replaces them (adoptRefusal says when it may not).
    if (handMadeOnly(conflicts)) {
      const refused = adoptRefusal(conflicts, opts.adopt === true);
      if (refused) return refused;
      continue;
    }
    return conflictError(plan, conflicts);
  }
  return undefined;
}

/**
 * The only step that writes. New contents go to temporary files beside their targets first; then
 * each file it replaces or deletes is moved aside (a rename: needs no space) before the new one is
 * renamed in, and the hooks are staged. Every step registers its undo, so a failure anywhere (disk
 * full, a permission, a rename) or a signal (Ctrl-C, kill, a closed terminal) puts back what was
 * there, the git index included, removes temp files, .bak copies and folders it created, and
 * leaves the repo as it was. Only then is what was moved aside removed: the run is committed.
 *
 * node:fs, not fs-extra: each step needs an exact primitive that fs-extra's calls do not give.
 * Its move() with overwrite removes the target and then renames (not atomic); copy() checks and
 * then copies (not exclusive like COPYFILE_EXCL); ensureDir()/outputFile() create folders without
 * saying which, and the undo must know the topmost one before a mkdir that may fail half-way. It
 * would also add 48 kB (graceful-fs, which patches node:fs) to the bundle every run loads.
 */
export async function applyPlans(plans: readonly Plan[], opts: { force: boolean; adopt?: boolean }): Promise<ApplyResult> {
  const refused = refusal(plans, opts);
  if (refused) throw refused;
  const isWrite = (f: PlannedFile) => f.action === 'create' || f.action === 'update' || f.action === 'conflict';
  const writes = plans.flatMap((plan) => plan.files.filter(isWrite).map((file) => ({ target: join(plan.repo.dir, file.path), file })));
  const deletes = plans.flatMap((plan) =>
    plan.files.filter((f) => f.action === 'delete').map((file) => ({ target: join(plan.repo.dir, file.path), file })),
  );
  const undo: (() => void)[] = [];
  const asides: string[] = [];
  const backups: string[] = [];
  let staged: boolean | undefined;
  let at = ''; // the file being written or deleted, for the message
  // Installed before the first write: from here a signal no longer kills the process half-way; it
  // is noticed below, before the commit, and rolls the run back like a failure.
  const signals = watchSignals();
  try {
    try {
      const temps: { tmp: string; target: string; file: PlannedFile }[] = [];
      const dirs = new Set<string>();
      // Read once (DEP0139: documentation-only): with the usual 022 no mode needs a chmod.
      const umask = process.umask();
      for (const { target, file } of writes) {
        at = target;
        if (!dirs.has(dirname(target))) makeDir(dirname(target), undo);
        dirs.add(dirname(target));
        const tmp = sibling(target, 'tmp');
        undo.push(() => rmSync(tmp, { force: true }));
        // 'wx': a link or file already at the temp name is an error, never followed.
        writeFileSync(tmp, file.content, { mode: file.mode, flag: 'wx' });
        if ((file.mode & umask) !== 0) chmodSync(tmp, file.mode); // the umask must not take the executable bit off a hook
        temps.push({ tmp, target, file });
      }
      for (const t of temps) {
        if (t.file.action !== 'conflict') continue;
        at = t.target;
        const backup = freeBackupName(t.target);
        undo.push(() => rmSync(backup, { force: true }));
        copyFileSync(t.target, backup, constants.COPYFILE_EXCL);
        backups.push(backup);
      }
      for (const t of temps) {
        at = t.target;
        if (existsSync(t.target)) asides.push(moveAside(t.target, undo));
        renameSync(t.tmp, t.target);
        undo.push(() => rmSync(t.target, { force: true }));
      }
      for (const d of deletes) {
        at = d.target;
        asides.push(moveAside(d.target, undo));
      }
      at = '';
      staged = stageAll(plans, undo);
      // A signal that came while the files were written reaches its listener once the event loop
      // turns: it takes two turns (one turn was seen to miss a signal received during the writes).
      for (let turn = 0; turn < 2; turn++) await new Promise(setImmediate);
      if (signals.received) throw new Cancelled(signals.received);
    } catch (e) {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch {
          // keep undoing the rest: one stuck step must not leave everything after it undone
        }
      }
      if (e instanceof Cancelled) {
        const back =
          asides.length > 0
            ? ` (the ${asides.length === 1 ? 'file it had replaced is' : `${asides.length} files it had replaced are`} put back)`
            : '';
        throw new UserError(`Cancelled; nothing was written${back}.`, 128 + osConstants.signals[e.signal]);
      }
      const err = e as NodeJS.ErrnoException;
      if (!err.code) throw e; // not the file system: a bug, reported with its stack
      const shown = relative(plans[0]!.repo.cwd, at) || at;
      throw new UserError(`Could not write ${shown} (${err.code}); nothing was changed. Free space or fix permissions and try again.`);
    }
    // Committed: what was moved aside is no longer needed.
    for (const a of asides) rmSync(a, { force: true });
    // A folder the deletions emptied (hooks/ after --retire-hooks) goes too; best effort, it holds nothing.
    for (const dir of new Set(deletes.map((d) => dirname(d.target)))) {
      if (plans.some((p) => p.repo.dir === dir)) continue;
      try {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      } catch {
        // not empty after all, or not ours to remove: it stays
      }
    }
  } finally {
    signals.stop();
  }
  return { written: writes.map((w) => w.file), deleted: deletes.map((d) => d.file), backups, staged };
}

/**
 * Stages everything the run wrote or deleted (the hooks with mode 100755, stageGenerated the rest)
 * before the run is committed, so that a cancel or failure puts the index back too and a bare
 * `git commit` commits one consistent set. The snapshot covers every file the run writes or
 * deletes. Undefined outside git; false when git refused (the caller prints the git add lines).
 */
function stageAll(plans: readonly Plan[], undo: (() => void)[]): boolean | undefined {
  const gitPlans = plans.filter((p) => p.repo.isGit);
  if (gitPlans.length === 0) return undefined;
  const root = gitPlans[0]!.repo.root;
  const changed = gitPlans.flatMap((p) => p.files.filter((f) => f.action !== 'unchanged').map((f) => join(p.repo.dir, f.path)));
  const hooks = gitPlans.flatMap((p) =>
    p.files.filter((f) => f.mode === 0o755 && f.action !== 'delete').map((f) => join(p.repo.dir, f.path)),
  );
  const before = snapshotIndex(root, [...new Set([...changed, ...hooks])]);
  if (!before) return false;
  undo.push(() => restoreIndex(before));
  return gitAddExecutable(root, hooks) && stageGenerated(plans);
}

class Cancelled extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`cancelled by ${signal}`);
  }
}

/** Ctrl-C, kill, a closed terminal: each cancels the run instead of ending the process mid-write. */
const CANCELLING = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function watchSignals(): { readonly received: (typeof CANCELLING)[number] | undefined; stop: () => void } {
  let received: (typeof CANCELLING)[number] | undefined;
  const listeners = CANCELLING.map((s) => [s, () => (received ??= s)] as const);
  for (const [s, on] of listeners) process.on(s, on);
  return {
    get received() {
      return received;
    },
    stop: () => {
      for (const [s, on] of listeners) process.removeListener(s, on);
    },
  };
}

/** `.<name>.cmh-<pid>.<what>` beside `target`: hidden, and recognisably ours if a crash leaves it. */
function sibling(target: string, what: string): string {
  return join(dirname(target), `.${basename(target)}.cmh-${process.pid}.${what}`);
}

/** Creates `dir` and its missing parents; undo removes the topmost folder created. */
function makeDir(dir: string, undo: (() => void)[]): void {
  if (existsSync(dir)) return;
  let top = dir;
  while (!existsSync(dirname(top))) top = dirname(top);
  // Undo first: a recursive mkdir that fails half-way has already created the upper folders.
  undo.push(() => rmSync(top, { recursive: true, force: true }));
  mkdirSync(dir, { recursive: true });
}

function moveAside(target: string, undo: (() => void)[]): string {
  const aside = sibling(target, 'old');
  renameSync(target, aside);
  undo.push(() => renameSync(aside, target));
  return aside;
}

function freeBackupName(target: string): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${target}.bak` : `${target}.bak.${i}`;
    if (!existsSync(name)) return name;
  }
}

export function conflictError(plan: Plan, conflicts: PlannedFile[]): UserError {
  const list = conflicts.map((c) => `${c.path} (${c.reason})`).join(', ');
  return new UserError(
    `Refusing to overwrite ${list}; move your changes elsewhere, or re-run with --force to overwrite (a .bak copy is kept).`,
  );
}
