import { DEFAULT_ARCHES, NATIVE_ARCH, archNames } from '../arch.js';
import { UserError } from '../errors.js';
import {
  type Choices,
  DEFAULT_TAG_REGEX,
  parseArches,
  validateContext,
  validatePublisher,
  validateQemu,
  validateRepository,
  validateStrategy,
  validateTagRegex,
} from './choice-values.js';
import { archHelp, ask, type Question } from './prompts.js';
import { validateInclude, validateIncludeRevision } from './include.js';
import type { RepoState } from './repo.js';
import { posix, relative, sep } from 'node:path';

export interface ChoiceFlags {
  repo?: string;
  arch?: string[];
  qemu?: string;
  publisher?: string;
  branch?: string;
  context?: string;
  tagRegex?: string;
  ci?: string;
  strategy?: string;
  archTags?: boolean;
  retireHooks?: boolean;
  include?: string[];
  includeRevision?: string;
  yes?: boolean;
  interactive: boolean;
}

export interface Resolved {
  choices: Choices;
  /**
   * True when the architectures are the default set, not chosen by the user (--arch, a typed
   * answer) nor restored from the last run's record: only then may an arch whose official image
   * does not exist be dropped instead of refused (see twins.ts).
   */
  defaultArches: boolean;
  /** Things worth a `warn:` line that do not stop the run (a --branch the repo does not have yet). */
  warnings: string[];
}

/** A check of a flag's value: its UserError becomes a usage error (exit 2). */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message, 2);
    throw e;
  }
}

/**
 * The flags' values, checked before the repo is read (so a bad --arch is reported whatever else
 * is wrong) and normalized: --arch as table names (aliases resolved). A bad value exits 2.
 */
export function checkFlags(flags: ChoiceFlags): ChoiceFlags {
  // `--repo=` gives an empty value (`--repo` alone is refused by the parser); --tag-regex "" means no tag rules.
  for (const [flag, v] of [
    ['--repo', flags.repo],
    ['--branch', flags.branch],
    ['--context', flags.context],
  ] as const) {
    if (v !== undefined && v.trim() === '') throw new UserError(`${flag} needs a value; see --help.`, 2);
  }
  // `--repo acme/{dir}` (several Dockerfiles) is checked with a folder name in place of {dir}.
  if (flags.repo !== undefined) usage(() => validateRepository(flags.repo!.replaceAll('{dir}', 'dir')));
  return {
    ...flags,
    arch: flags.arch === undefined ? undefined : usage(() => parseArches(flags.arch!)),
    qemu: flags.qemu === undefined ? undefined : usage(() => validateQemu(flags.qemu!)),
    publisher: flags.publisher === undefined ? undefined : usage(() => validatePublisher(flags.publisher!)),
    branch: flags.branch === undefined ? undefined : usage(() => validateBranch(flags.branch!)),
    context: flags.context === undefined ? undefined : usage(() => validateContext(flags.context!)),
    tagRegex: flags.tagRegex === undefined ? undefined : usage(() => validateTagRegex(flags.tagRegex!)),
    includeRevision: flags.includeRevision === undefined ? undefined : validateIncludeRevision(flags.includeRevision),
    strategy: flags.strategy === undefined ? undefined : usage(() => validateStrategy(flags.strategy!)),
  };
}

/** Each choice: its flag if given, else a prompt on a TTY, else the last run's, else the default. */
export async function resolveChoices(repo: RepoState, flags: ChoiceFlags): Promise<Resolved> {
  const prev = repo.record;
  const dirRel = relative(repo.root, repo.dir).split(sep).join(posix.sep);
  let repository = flags.repo ?? prev?.repository ?? repo.guessedRepository;
  // Without a record, per-arch Dockerfiles already there (a hand-made setup) name the arches the
  // user built before: those are kept, with the native arch, which the Dockerfile itself builds.
  const existing =
    prev === undefined && repo.existingArches.length > 0
      ? [NATIVE_ARCH, ...repo.existingArches.filter((a) => a !== NATIVE_ARCH)]
      : undefined;
  let arches: string | string[] = flags.arch ?? prev?.arches ?? existing ?? [...DEFAULT_ARCHES];
  let defaultArches = flags.arch === undefined && prev === undefined && existing === undefined;
  let strategy = flags.strategy ?? prev?.strategy ?? 'per-arch';

  if (flags.interactive && !flags.yes) {
    const questions: Question[] = [];
    if (flags.repo === undefined) {
      questions.push({ key: 'repo', text: 'Docker Hub repository (namespace/name)', def: repository ?? '', check: validateRepository });
    }
    if (flags.arch === undefined) {
      const def = (arches as string[]).join(',');
      questions.push({
        key: 'arch',
        text: 'Architectures, comma-separated',
        def,
        help: `Known architectures:\n${archHelp()}`,
        check: parseArches,
      });
    }
    if (flags.strategy === undefined) {
      questions.push({
        key: 'strategy',
        text: 'Build strategy, per-arch or buildx',
        def: prev?.strategy ?? 'per-arch',
        help: STRATEGY_HELP,
        check: validateStrategy,
      });
    }
    const answers = await ask(questions);
    strategy = answers.strategy ?? strategy;
    repository = answers.repo ?? repository;
    // An empty answer takes the default shown; anything typed is the user's own choice.
    if (answers.arch !== undefined && answers.arch !== (arches as string[]).join(',')) defaultArches = false;
    arches = answers.arch ?? arches;
  }
  if (!repository) {
    const why = repo.repositoryProblem ? ` (${repo.repositoryProblem})` : '';
    throw new UserError(
      `Cannot tell the Docker Hub repository from the git remote${why}; pass it with --repo namespace/name (e.g. --repo acme/demo).`,
    );
  }
  const warnings = flags.branch === undefined ? [] : branchWarnings(repo, flags.branch);
  const choices: Choices = {
    repository: validateRepository(repository),
    arches: parseArches(arches),
    qemu: validateQemu(flags.qemu ?? prev?.qemu ?? 'binfmt'),
    publisher: validatePublisher(flags.publisher ?? prev?.publisher ?? 'docker'),
    branch: validateBranch(flags.branch ?? prev?.branch ?? repo.currentBranch ?? 'main'),
    context: validateContext(flags.context ?? prev?.context ?? '/' + dirRel),
    tagRegex: validateTagRegex(flags.tagRegex ?? prev?.tagRegex ?? DEFAULT_TAG_REGEX),
    ci: validateCi(flags.ci ?? prev?.ci ?? 'none'),
    strategy: validateStrategy(strategy),
    archTags: flags.archTags ?? prev?.archTags ?? true,
    retired: flags.retireHooks === true || prev?.retired === true,
    archTagNames: {},
    include: [],
    includeRevision: (flags.includeRevision ?? prev?.includeRevision ?? 'same') as Choices['includeRevision'],
  };
  // --include (an empty value clears the recorded ones), checked against the chosen repository.
  const include = flags.include ?? prev?.include ?? [];
  choices.include = [...new Set(include.filter((i) => i.trim() !== '').map((i) => validateInclude(i, choices.repository)))];
  if (choices.include.length > 0 && choices.strategy === 'buildx') {
    throw new UserError(
      '--include works with the per-arch build rules only for now (the buildx hooks have no post_push to add the images); use --strategy per-arch, or drop --include.',
      2,
    );
  }
  // The tag names a hand-made setup published under (`armhf`), else the last run's: kept for the
  // arches still built, so pulls of the old tags keep working.
  const tagNames = prev ? (prev.archTagNames ?? {}) : repo.handMadeTagNames;
  choices.archTagNames = Object.fromEntries(Object.entries(tagNames).filter(([a]) => choices.arches.includes(a)));
  if (choices.retired && choices.ci === 'none') {
    throw new UserError(
      flags.retireHooks
        ? '--retire-hooks removes the Docker Hub hooks once a CI pipeline builds the images; add --ci github or --ci bitbucket.'
        : 'The hooks were retired for a CI pipeline; keep it with --ci github or --ci bitbucket.',
      2,
    );
  }
  if (choices.strategy === 'buildx' && choices.qemu === 'copy') {
    throw new UserError(
      '--qemu copy puts QEMU into per-arch Dockerfiles, which --strategy buildx does not write; use ' +
        '--qemu binfmt with buildx, or --strategy per-arch for kernels older than 4.8.',
      2,
    );
  }
  return { choices, defaultArches, warnings };
}

const STRATEGY_HELP = [
  '  per-arch: one Docker Hub build rule per arch and a per-arch Dockerfile each; the last build ' +
    'publishes the list (works on every builder)',
  '  buildx:   one build rule per source builds every platform with docker buildx and pushes one ' +
    'index at once (needs buildx on the builder)',
].join('\n');

/**
 * A --branch the repo does not have (local or on a remote) is often a typo, and Docker Hub would
 * then build nothing as latest; but it may also be a branch still to be created: said, not refused.
 */
function branchWarnings(repo: RepoState, branch: string): string[] {
  const known = repo.branches;
  if (!known || known.length === 0 || known.includes(branch)) return [];
  const has = `${known.slice(0, 5).join(', ')}${known.length > 5 ? ', ...' : ''}`;
  return [
    `branch "${branch}" is not in this repository (it has ${has}): Docker Hub builds latest only ` +
      `once it is pushed; check --branch if that is a typo.`,
  ];
}

function validateCi(c: string): Choices['ci'] {
  if (c === 'github' || c === 'bitbucket' || c === 'none') return c;
  throw new UserError(`Unknown CI "${c}"; use --ci github, --ci bitbucket or --ci none.`, 2);
}

function validateBranch(b: string): string {
  if (!b.trim() || /\s/.test(b.trim()))
    throw new UserError(`Branch "${b}" is not a branch name; pass the branch Docker Hub builds with --branch, e.g. --branch main.`);
  return b.trim();
}

export { archNames };
