/**
 * The read step: everything a plan depends on, read once into one Snapshot (snapshot.ts) before
 * anything is planned. The user's files that a plan may write or delete (bytes, kind, mode, the
 * links on their way), the git index modes of the hooks, the records the repo's other Dockerfiles
 * left (for the one bitbucket-pipelines.yml), the folders' write permission, the package's
 * templates, and Docker Hub's answer about the official twins. plan.ts reads none of these itself.
 */
import { accessSync, constants, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { archNames } from '../arch.js';
import type { CiTarget } from '../ci/target.js';
import { BITBUCKET_FILE } from '../ci/bitbucket-facts.js';
import { loadTemplates } from '../templates.js';
import { BUILDX_HOOK_PIECES, HOOK_PIECES } from '../hooks/render-hooks.js';
import { targetFromRecord } from './ci-target.js';
import { gitHookModes } from './git.js';
import type { CiRenderers } from './plan.js';
import type { Choices } from './choice-values.js';
import { parseRecord, RECORD_FILE } from '../record/index.js';
import type { RepoState } from './repo.js';
import { RULES_FILE } from './rules-file.js';
import type { BitbucketOnDisk, DockerfileSnapshot, FileFact, Snapshot } from './snapshot.js';
import { checkTwins } from './twin-check.js';
import { officialTwins } from './twins.js';

export interface ReadInput {
  repo: RepoState;
  choices: Choices;
}

/**
 * Reads what the plans of `inputs` need. `askDockerHub`: whether to ask Docker Hub about the
 * official twins (not with --offline, nor --check); `render`: the pipeline renderers when a run
 * writes a pipeline (they name the GitHub workflow's path).
 */
export async function readSnapshot(
  inputs: readonly ReadInput[],
  o: { askDockerHub: boolean; env: NodeJS.ProcessEnv; render?: CiRenderers },
): Promise<Snapshot> {
  loadTemplates();
  const dockerfiles = inputs.map(({ repo, choices }) => readDockerfile(repo, choices, o.render));
  const bb = inputs.find((i) => i.choices.ci === 'bitbucket');
  const bitbucket = bb?.repo.isGit ? readBitbucketPeers(bb.repo.root) : { peers: [], hashes: new Set<string>() };
  const twins = o.askDockerHub
    ? await checkTwins(
        inputs.flatMap((i) => officialTwins(i.repo, i.choices.arches)),
        o.env,
      )
    : undefined;
  return { dockerfiles, bitbucket, ...(twins ? { twins } : {}) };
}

/** Every path a plan for `repo` may touch, relative to its folder: a superset, whatever the arches. */
function candidatePaths(repo: RepoState, choices: Choices, render: CiRenderers | undefined): Set<string> {
  const base = basename(repo.dockerfilePath);
  const dirRel = relative(repo.root, repo.dir).split(sep).join('/');
  const paths = new Set<string>([
    ...archNames().map((a) => `${base}.${a}`),
    // A hand-made setup's per-arch Dockerfiles (`Dockerfile.armhf`), and those named after kept tag names.
    ...Object.values(repo.perArchFiles),
    ...Object.values(choices.archTagNames ?? {}).map((t) => `${base}.${t}`),
    ...[...Object.keys(HOOK_PIECES), ...Object.keys(BUILDX_HOOK_PIECES)].map((h) => `hooks/${h}`),
    'hooks/.gitattributes',
    'multi-arch-manifest.yaml',
    RULES_FILE,
    RECORD_FILE,
    ...Object.keys(repo.record?.files ?? {}),
    posix.relative(dirRel, BITBUCKET_FILE),
  ]);
  if (choices.ci === 'github' && render) paths.add(posix.relative(dirRel, render.workflowPath(dirRel || '.')));
  return paths;
}

function readDockerfile(repo: RepoState, choices: Choices, render: CiRenderers | undefined): DockerfileSnapshot {
  const files = new Map<string, FileFact>();
  const realRoot = realpathSync(repo.root);
  for (const path of candidatePaths(repo, choices, render)) files.set(path, readFact(repo, realRoot, path));
  const hooksDir = join(repo.dir, 'hooks');
  return {
    repo,
    files,
    indexModes: repo.isGit ? gitHookModes(repo.root) : new Map<string, string>(),
    writable: { dir: writable(repo.dir), ...(kindOf(hooksDir) !== 'missing' ? { hooks: writable(hooksDir) } : {}) },
  };
}

function statOf(abs: string): { kind: FileFact['kind']; mode: number } {
  let s;
  try {
    s = statSync(abs);
  } catch {
    return { kind: 'missing', mode: 0 }; // nothing there, or a file where a folder on the way should be
  }
  return { kind: s.isFile() ? 'file' : s.isDirectory() ? 'folder' : 'other', mode: s.mode };
}

function kindOf(abs: string): FileFact['kind'] {
  return statOf(abs).kind;
}

function writable(abs: string): boolean {
  try {
    accessSync(abs, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readFact(repo: RepoState, realRoot: string, path: string): FileFact {
  const abs = join(repo.dir, path);
  const link = linkOnTheWay(repo, realRoot, abs);
  const { kind, mode } = statOf(abs);
  if (kind === 'missing') {
    // The nearest existing thing above: a file there blocks the folder a generated file needs.
    for (let d = dirname(abs); d !== dirname(d); d = dirname(d)) {
      const k = kindOf(d);
      if (k === 'missing') continue;
      return { kind, ...(k !== 'folder' ? { blockedBy: d } : {}), ...(link ? { link } : {}) };
    }
    return { kind, ...(link ? { link } : {}) };
  }
  if (kind !== 'file' || link) return { kind, ...(link ? { link } : {}) };
  return {
    kind,
    bytes: readFileSync(abs),
    executable: process.platform === 'win32' || (mode & 0o100) !== 0,
  };
}

/**
 * The first symbolic link from the repo root down to `abs` that leads out of the repo, or
 * nowhere (target ''): a write must not go through it (plan.ts refuses).
 */
function linkOnTheWay(repo: RepoState, realRoot: string, abs: string): FileFact['link'] {
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + sep);
  let at = repo.root;
  for (const part of relative(repo.root, abs).split(sep)) {
    at = join(at, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(at).isSymbolicLink();
    } catch {
      return undefined; // nothing there yet: the rest of the path is created by us, inside the repo
    }
    if (!isLink) continue;
    let target: string;
    try {
      target = realpathSync(at);
    } catch {
      target = ''; // dangling: where it would lead cannot be known, so it is not followed
    }
    if (!target || !inside(target)) return { at, target };
  }
  return undefined;
}

/**
 * The Bitbucket targets of the repo's Dockerfiles from their records on disk (one
 * `bitbucket-pipelines.yml` serves the whole repo, so a run for one Dockerfile keeps the others'
 * steps). Git repos only (`git ls-files`).
 */
function readBitbucketPeers(root: string): BitbucketOnDisk {
  const r = spawnSync('git', ['ls-files', '-z', '--', `*${RECORD_FILE}`], { cwd: root, encoding: 'utf8' });
  const peers: BitbucketOnDisk['peers'] = [];
  // What any record says it wrote into the shared file: the last run of another Dockerfile wrote it.
  const hashes = new Set<string>();
  if (r.status !== 0) return { peers, hashes };
  for (const file of r.stdout.split('\0').filter((f) => posix.basename(f) === RECORD_FILE)) {
    const dirRel = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    const abs = join(root, file);
    if (kindOf(abs) === 'missing') continue;
    const rec = parseRecord(readFileSync(abs, 'utf8'), file);
    if ('error' in rec || rec.ci !== 'bitbucket') continue;
    for (const [p, h] of Object.entries(rec.files)) if (posix.basename(p) === BITBUCKET_FILE) hashes.add(h);
    const df = join(root, dirRel, rec.dockerfile);
    if (kindOf(df) === 'missing') continue;
    peers.push({ dirRel, target: targetFromRecord(rec, dirRel, readFileSync(df, 'utf8')) });
  }
  return { peers, hashes };
}

/**
 * The CiTarget of a generated folder, from its record and Dockerfile on disk (what the real-engine
 * tests feed to buildCommands). `dirRel`: the folder relative to `root`, '' for the root.
 * Throws (a bug in the caller) when there is no valid record.
 */
export function ciTargetOnDisk(root: string, dirRel: string): CiTarget {
  const file = join(root, dirRel, RECORD_FILE);
  const rec = parseRecord(readFileSync(file, 'utf8'), file);
  if ('error' in rec) throw new Error(rec.error);
  return targetFromRecord(rec, dirRel, readFileSync(join(root, dirRel, rec.dockerfile), 'utf8'));
}
