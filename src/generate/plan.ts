import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { NATIVE_ARCH, sortArches } from '../arch.js';
import { rewriteDockerfile } from '../dockerfile/index.js';
import { UserError } from '../errors.js';
import { renderHooks } from '../hooks/render.js';
import { githubWorkflow } from '../simulate/github-workflow.js';
import { PINS } from '../pins.js';
import { VERSION } from '../version.js';
import { buildRules, type BuildRule } from './build-rules.js';
import { gitIndexModes } from './git.js';
import { manifestSpec } from './manifest-spec.js';
import type { Choices } from './options.js';
import { type GeneratorRecord, RECORD_FILE, sha256 } from './record.js';
import type { RepoState } from './repo.js';
import { rulesMarkdown, RULES_FILE } from './rules-file.js';

export type Action = 'create' | 'update' | 'unchanged' | 'conflict' | 'delete';

export interface PlannedFile {
  /** Relative to the Dockerfile's folder, POSIX separators. */
  path: string;
  content: string;
  mode: 0o644 | 0o755;
  action: Action;
  /** Why a conflict is one. */
  reason?: string;
}

export interface Plan {
  repo: RepoState;
  choices: Choices;
  files: PlannedFile[];
  rules: BuildRule[];
  warnings: string[];
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** Reads, validates and renders everything; writes nothing. Throws UserError on bad input. */
export function buildPlan(repo: RepoState, choices: Choices): Plan {
  const arches = sortArches(choices.arches);
  const base = basename(repo.dockerfilePath);
  // Every path written into a generated file is relative to the repo root, never to the working
  // directory: the same repo must generate the same bytes from wherever the CLI runs.
  const dockerfileRel = toPosix(relative(repo.root, repo.dockerfilePath));
  const warnings: string[] = [];
  const fileFor = (arch: string) => (arch === NATIVE_ARCH ? base : `${base}.${arch}`);

  if (repo.record && repo.record.dockerfile !== base) {
    throw new UserError(
      `${toPosix(relative(repo.cwd, repo.dir)) || '.'} already has hooks generated for ${repo.record.dockerfile}; Docker Hub runs one hooks/ folder per directory, so move ${base} to its own folder.`,
    );
  }

  const generated: Omit<PlannedFile, 'action'>[] = [];
  for (const a of arches) {
    if (a.name === NATIVE_ARCH) continue;
    const r = rewriteDockerfile(repo.dockerfileSource, dockerfileRel, a, { qemu: choices.qemu, qemuImage: PINS.qemuImage });
    for (const w of r.warnings) if (!warnings.includes(w)) warnings.push(w);
    generated.push({ path: fileFor(a.name), content: r.content, mode: 0o644 });
  }
  const hooks = renderHooks({
    version: VERSION,
    arches,
    dockerfiles: arches.map((a) => ({ file: fileFor(a.name), arch: a.name })),
    qemu: choices.qemu,
    publisher: choices.publisher,
    pins: PINS,
  });
  for (const h of hooks) generated.push({ path: `hooks/${h.name}`, content: h.content, mode: 0o755 });

  const dirRel = toPosix(relative(repo.root, repo.dir));
  const rules = buildRules({
    arches,
    dockerfileFor: (a) => posix.join(dirRel, fileFor(a.name)),
    branch: choices.branch,
    tagRegex: choices.tagRegex,
    context: choices.context,
  });
  const ctxRel = choices.context.replace(/^\/+/, '');
  const contextHoldsDir = ctxRel === '' || dirRel === ctxRel || dirRel.startsWith(ctxRel + '/');
  if (!contextHoldsDir) {
    throw new UserError(`Build context ${choices.context} does not contain ${dockerfileRel}; choose a --context that holds the Dockerfile's folder.`);
  }
  if (dirRel !== ctxRel) {
    warnings.push(
      `Docker Hub runs hooks from the Dockerfile's folder (${dirRel || '/'}), not from the build context ${choices.context}; the generated hooks are there.`,
    );
  }
  generated.push({ path: 'multi-arch-manifest.yaml', content: manifestSpec(choices.repository, arches), mode: 0o644 });
  generated.push({ path: RULES_FILE, content: rulesMarkdown({ repository: choices.repository, rules, arches, dockerfile: dockerfileRel }), mode: 0o644 });

  const recordFields = {
    generator: 'create-multiarch-hooks' as const,
    version: VERSION,
    repository: choices.repository,
    dockerfile: base,
    branch: choices.branch,
    arches: arches.map((a) => a.name),
    qemu: choices.qemu,
    publisher: choices.publisher,
    context: choices.context,
    tagRegex: choices.tagRegex,
    ...(choices.ci === 'github' ? { ci: choices.ci } : {}),
    buildRules: rules,
  };
  if (choices.ci === 'github') {
    // The workflow lives at the repo root; its path is kept relative to the Dockerfile's folder like the rest.
    const wf = githubWorkflow({ ...recordFields, files: {} }, VERSION);
    generated.push({ path: posix.relative(dirRel, wf.path), content: wf.content, mode: 0o644 });
  }

  checkPaths(repo, [...generated, { path: RECORD_FILE }]);
  const indexModes = repo.isGit ? gitIndexModes(repo.root, generated.filter((g) => g.mode === 0o755).map((g) => join(repo.dir, g.path))) : new Map<string, string>();
  const files: PlannedFile[] = generated.map((g) => {
    const c = classify(repo, g.path, g.content);
    // Same content is not enough for a hook: Docker Hub runs it only if git has it as 100755.
    if (c.action === 'unchanged' && g.mode === 0o755 && !isExecutable(join(repo.dir, g.path), indexModes.get(toPosix(relative(repo.root, join(repo.dir, g.path)))))) {
      return { ...g, action: 'update' as const, reason: 'not executable' };
    }
    return { ...g, ...c };
  });

  // Files an earlier run generated that this run does not (an arch dropped): remove them if the
  // user left them as generated, otherwise keep them and say so.
  for (const [path, hash] of Object.entries(repo.record?.files ?? {})) {
    if (generated.some((g) => g.path === path)) continue;
    const abs = join(repo.dir, path);
    if (!existsSync(abs) || !statSync(abs).isFile()) continue;
    const current = readFileSync(abs);
    if (sha256(current) === hash) files.push({ path, content: '', mode: 0o644, action: 'delete' });
    else warnings.push(`${path} is no longer generated but you changed it, so it stays; delete it if it is not needed.`);
  }

  const record: GeneratorRecord = {
    ...recordFields,
    files: Object.fromEntries(generated.map((g) => [g.path, sha256(g.content)])),
  };
  const recordContent = JSON.stringify(record, null, 2) + '\n';
  const recordAbs = join(repo.dir, RECORD_FILE);
  const recordNow = existsSync(recordAbs) ? readFileSync(recordAbs, 'utf8') : undefined;
  files.push({
    path: RECORD_FILE,
    content: recordContent,
    mode: 0o644,
    ...(recordNow === undefined
      ? { action: 'create' as const }
      : repo.recordUnreadable
        ? { action: 'conflict' as const, reason: 'it is not a valid record' }
        : { action: recordNow === recordContent ? ('unchanged' as const) : ('update' as const) }),
  });

  checkWritable(repo, files);
  return { repo, choices, files, rules, warnings };
}

/** On disk (where modes exist) and in the git index, when the file is tracked. */
function isExecutable(abs: string, indexMode: string | undefined): boolean {
  if (indexMode !== undefined && indexMode !== '100755') return false;
  return process.platform === 'win32' || (statSync(abs).mode & 0o100) !== 0;
}

function classify(repo: RepoState, path: string, content: string): Pick<PlannedFile, 'action' | 'reason'> {
  const abs = join(repo.dir, path);
  if (!existsSync(abs)) return { action: 'create' };
  const current = readFileSync(abs);
  if (current.equals(Buffer.from(content))) return { action: 'unchanged' };
  const recorded = repo.record?.files[path];
  if (recorded === undefined) return { action: 'conflict', reason: 'create-multiarch-hooks did not write it' };
  if (recorded !== sha256(current)) return { action: 'conflict', reason: 'it was changed after it was generated' };
  return { action: 'update' };
}

/**
 * A folder where a file goes (or a file where a folder goes) is not something --force may
 * overwrite: refused here, before anything is written, whatever the flags.
 */
function checkPaths(repo: RepoState, files: readonly { path: string }[]): void {
  const shown = (abs: string) => toPosix(relative(repo.cwd, abs)) || '.';
  const problems: string[] = [];
  for (const f of files) {
    const abs = join(repo.dir, f.path);
    if (existsSync(abs)) {
      if (!statSync(abs).isFile()) problems.push(`${shown(abs)} is ${statSync(abs).isDirectory() ? 'a folder' : 'not a regular file'} where a generated file goes`);
      continue;
    }
    for (let d = dirname(abs); d !== dirname(d); d = dirname(d)) {
      if (!existsSync(d)) continue;
      if (!statSync(d).isDirectory()) problems.push(`${shown(d)} is a file where a generated folder goes`);
      break;
    }
  }
  const unique = [...new Set(problems)];
  if (unique.length > 0) {
    throw new UserError(`Cannot generate: ${unique.join(', and ')}; move ${unique.length > 1 ? 'them' : 'it'} out of the way and try again (--force overwrites files only).`);
  }
}

function checkWritable(repo: RepoState, files: PlannedFile[]): void {
  const writes = files.filter((f) => f.action !== 'unchanged');
  if (writes.length === 0) return;
  const dirs = new Set([repo.dir]);
  if (writes.some((f) => f.path.startsWith('hooks/')) && existsSync(join(repo.dir, 'hooks'))) dirs.add(join(repo.dir, 'hooks'));
  for (const d of dirs) {
    try {
      accessSync(d, constants.W_OK);
    } catch {
      throw new UserError(`Cannot write to ${relative(repo.cwd, d) || '.'}; make it writable (or run where you may write) and try again.`);
    }
  }
}
