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
  validateTagRegex,
} from './options.js';
import { archHelp, ask, type Question } from './prompts.js';
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
  archTags?: boolean;
  retireHooks?: boolean;
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
}

/** Each choice: its flag if given, else a prompt on a TTY, else the last run's, else the default. */
export async function resolveChoices(repo: RepoState, flags: ChoiceFlags): Promise<Resolved> {
  const prev = repo.record;
  const dirRel = relative(repo.root, repo.dir).split(sep).join(posix.sep);
  let repository = flags.repo ?? prev?.repository ?? repo.guessedRepository;
  // Without a record, per-arch Dockerfiles already there (a hand-made setup) name the arches the
  // user built before: those are kept, with the native arch, which the Dockerfile itself builds.
  const existing = prev === undefined && repo.existingArches.length > 0 ? [NATIVE_ARCH, ...repo.existingArches.filter((a) => a !== NATIVE_ARCH)] : undefined;
  let arches: string | string[] = flags.arch ?? prev?.arches ?? existing ?? [...DEFAULT_ARCHES];
  let defaultArches = flags.arch === undefined && prev === undefined && existing === undefined;

  if (flags.interactive && !flags.yes) {
    const questions: Question[] = [];
    if (flags.repo === undefined) {
      questions.push({ key: 'repo', text: 'Docker Hub repository (namespace/name)', def: repository ?? '', check: validateRepository });
    }
    if (flags.arch === undefined) {
      const def = (arches as string[]).join(',');
      questions.push({ key: 'arch', text: 'Architectures, comma-separated', def, help: `Known architectures:\n${archHelp()}`, check: parseArches });
    }
    const answers = await ask(questions);
    repository = answers.repo ?? repository;
    // An empty answer takes the default shown; anything typed is the user's own choice.
    if (answers.arch !== undefined && answers.arch !== (arches as string[]).join(',')) defaultArches = false;
    arches = answers.arch ?? arches;
  }
  if (!repository) {
    throw new UserError('Cannot tell the Docker Hub repository from the git remote; pass it with --repo namespace/name (e.g. --repo acme/demo).');
  }
  const choices: Choices = {
    repository: validateRepository(repository),
    arches: parseArches(arches),
    qemu: validateQemu(flags.qemu ?? prev?.qemu ?? 'binfmt'),
    publisher: validatePublisher(flags.publisher ?? prev?.publisher ?? 'manifest-tool'),
    branch: validateBranch(flags.branch ?? prev?.branch ?? repo.currentBranch ?? 'main'),
    context: validateContext(flags.context ?? prev?.context ?? '/' + dirRel),
    tagRegex: validateTagRegex(flags.tagRegex ?? prev?.tagRegex ?? DEFAULT_TAG_REGEX),
    ci: validateCi(flags.ci ?? prev?.ci ?? 'none'),
    archTags: flags.archTags ?? prev?.archTags ?? true,
    retired: flags.retireHooks === true || prev?.retired === true,
  };
  if (choices.retired && choices.ci === 'none') {
    throw new UserError(
      flags.retireHooks
        ? '--retire-hooks removes the Docker Hub hooks once a CI pipeline builds the images; add --ci github or --ci bitbucket.'
        : 'The hooks were retired for a CI pipeline; keep it with --ci github or --ci bitbucket.',
      2,
    );
  }
  return { choices, defaultArches };
}

function validateCi(c: string): Choices['ci'] {
  if (c === 'github' || c === 'bitbucket' || c === 'none') return c;
  throw new UserError(`Unknown CI "${c}"; use --ci github, --ci bitbucket or --ci none.`, 2);
}

function validateBranch(b: string): string {
  if (!b.trim() || /\s/.test(b.trim())) throw new UserError(`Branch "${b}" is not a branch name; pass the branch Docker Hub builds with --branch, e.g. --branch main.`);
  return b.trim();
}

export { archNames };
