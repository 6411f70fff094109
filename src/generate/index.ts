import { basename, join, posix, relative, sep } from 'node:path';
import { BITBUCKET_FILE, BITBUCKET_NOTES } from '../ci/bitbucket-facts.js';
import { shQuote } from '../hooks/quote.js';
import { UserError } from '../errors.js';
import { applyPlans, refusal } from './apply.js';
import { type ChoiceFlags, checkFlags, resolveChoices } from './resolve-choices.js';
import { generatorCommand } from './rerun.js';
import type { Choices } from './choice-values.js';
import { type CiRenderers, type Chosen, type Plan, planRun } from './plan.js';
import { readSnapshot } from './read.js';
import { type RepoState, readRepo } from './repo.js';
import { formatPlan, formatRules } from './plan-text.js';
import { RULES_FILE } from './rules-file.js';
import { adoptQuestion, handMadeOnly } from './adopt.js';
import { ask } from './prompts.js';

const CHECK_LABEL: Record<string, string> = { create: 'missing', update: 'out of date', delete: 'stale', conflict: 'changed by hand' };

export interface GenerateOptions {
  cwd: string;
  /** One or more Dockerfiles; several are planned together and written only if all are valid. */
  dockerfiles: string[];
  flags: ChoiceFlags;
  dryRun: boolean;
  check: boolean;
  force: boolean;
  /** Replace a recognised hand-made setup's files (not those doing more than the recipe), keeping .bak copies. */
  adopt?: boolean;
  /** Skip asking Docker Hub whether each arch's official base image exists. */
  offline: boolean;
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  info: (s: string) => void;
  warn: (s: string) => void;
}

/**
 * read -> choose -> plan -> (check | dry run | apply), for one or several Dockerfiles. Every plan
 * is built (and so validated) before anything is written. Returns the exit code.
 */
export async function runGenerate(o: GenerateOptions): Promise<number> {
  const many = o.dockerfiles.length > 1;
  // Usage errors first (exit 2), whatever the repo holds.
  const checked = checkFlags(o.flags);
  if (o.dockerfiles.some((d) => d.trim() === '')) throw new UserError('--dockerfile needs a value; see --help.', 2);
  if (many && o.flags.repo !== undefined && !o.flags.repo.includes('{dir}')) {
    throw new UserError(
      `With several --dockerfile, --repo must contain {dir} (e.g. --repo acme/{dir}) so each image gets its own repository.`,
      2,
    );
  }
  // The renderers bring the yaml library: loaded only when a pipeline is written.
  let render: CiRenderers | undefined;
  const inputs: { repo: RepoState; choices: Choices }[] = [];
  const chosen: Chosen[] = [];
  for (const dockerfile of o.dockerfiles) {
    const repo = readRepo(o.cwd, dockerfile, { force: o.force });
    const flags = many ? { ...checked, interactive: false, repo: repositoryFor(repo, o.flags.repo) } : checked;
    const resolved = await resolveChoices(repo, flags);
    for (const w of resolved.warnings) o.warn(many ? `${relative(o.cwd, repo.dockerfilePath)}: ${w}` : w);
    if (resolved.choices.ci !== 'none') render ??= await import('../ci/pipelines.js');
    inputs.push({ repo, choices: resolved.choices });
    chosen.push({ choices: resolved.choices, defaultArches: resolved.defaultArches });
  }
  // read -> plan: everything is read once (Docker Hub asked once, not by --check, which asks
  // nothing of the network), then planned by a pure function of what was read.
  const snapshot = await readSnapshot(inputs, { askDockerHub: !o.offline && !o.check, env: o.env, render });
  const label = (repo: RepoState, s: string) => (many ? `${relative(o.cwd, repo.dockerfilePath)}: ${s}` : s);
  const run = planRun(snapshot, chosen, { render, label });
  const plans = run.plans;
  checkDistinct(plans, o.cwd);
  checkRetirement(plans);
  if (run.unchecked !== undefined) {
    o.warn(
      `could not check that the official base images exist for every architecture (${run.unchecked}); pass --offline to skip the check.`,
    );
  }
  for (const n of run.notices) o.info(n);
  const shown = (plan: Plan, p: string) => posix.normalize(relative(o.cwd, plan.repo.dir) ? `${relative(o.cwd, plan.repo.dir)}/${p}` : p);
  const pending = plans.flatMap((plan) => plan.files.filter((f) => f.action !== 'unchanged').map((f) => ({ plan, f })));

  if (o.check) {
    const total = plans.reduce((n, p) => n + p.files.length, 0);
    if (pending.length === 0) {
      o.out(`All ${total} generated files are up to date.`);
      return 0;
    }
    for (const { plan, f } of pending)
      o.out(`${f.action === 'update' && f.reason ? f.reason : CHECK_LABEL[f.action]}: ${shown(plan, f.path)}`);
    // The command that fixes it, as it must be typed here: the same Dockerfiles and choices, and
    // --force when a file was changed by hand (the only case a plain run refuses).
    const conflicts = pending.some(({ f }) => f.action === 'conflict');
    const command = generatorCommand(o.dockerfiles, o.flags, conflicts);
    o.out(
      conflicts
        ? `To regenerate them, run: ${command} (files changed by hand are kept as .bak copies), then commit.`
        : `To regenerate them, run: ${command}, then commit.`,
    );
    return 1;
  }

  for (const plan of plans) {
    for (const n of plan.notices) o.info(n);
    for (const w of plan.warnings) o.warn(many ? `${relative(o.cwd, plan.repo.dockerfilePath)}: ${w}` : w);
    o.out(formatPlan(plan));
  }
  if (plans.some((p) => p.choices.ci === 'bitbucket')) for (const n of BITBUCKET_NOTES) o.info(n);
  const retired = plans.filter((p) => p.choices.retired);
  const rules = () => {
    if (retired.length > 0) {
      o.out(
        [
          'The Docker Hub hooks, the build rules file and the per-arch Dockerfiles the pipeline does not need are retired.',
          'Once the pipeline has published, delete the autobuilds in Docker Hub: Builds > Configure ' +
            'automated builds > Delete Build Configuration,',
          `for ${[...new Set(retired.map((p) => p.choices.repository))].join(', ')}.`,
        ].join('\n'),
      );
      if (retired.length === plans.length) return;
    }
    for (const plan of plans) {
      if (many) o.out(`${plan.choices.repository} (${shown(plan, basename(plan.repo.dockerfilePath))}):`);
      o.out(formatRules(plan));
      if (plan !== plans[plans.length - 1]) o.out('');
    }
  };
  if (o.dryRun) {
    o.out('');
    rules();
    o.out('');
    // Honest about the outcome: a plan the real run would refuse fails here too, as it does with --check.
    const refused = refusal(plans, { force: o.force, adopt: o.adopt });
    o.out(refused ? 'Dry run: nothing was written; a real run would refuse:' : 'Dry run: nothing was written.');
    if (refused) throw refused;
    return 0;
  }
  if (pending.length === 0) {
    o.out('');
    o.out('Everything is up to date; nothing changed.');
    return 0;
  }
  const result = await applyPlans(plans, await confirmAdoption(plans, o));
  for (const b of result.backups) o.warn(`kept your previous version as ${relative(o.cwd, b)}`);
  // Everything generated is staged (by applyPlans, undone with the rest on a cancel), not only
  // the hooks: a bare `git commit` then commits hooks with the Dockerfiles and record they go with.
  const staged = result.staged;
  if (staged === false) {
    o.warn(`could not stage the generated files with git; stage them before committing with:\n${stageCommands(plans, o.cwd).join('\n')}`);
  }
  o.out('');
  rules();
  o.out('');
  if (retired.length === plans.length) {
    o.out(
      'Next: commit the changes (deletions included), push, and when the pipeline has published run: npx create-multiarch-hooks verify',
    );
    return 0;
  }
  const where = many ? `each folder's ${RULES_FILE}` : shown(plans[0]!, RULES_FILE);
  o.out(
    [
      `Next: commit the files${staged ? ' (they are staged, the hooks as executable)' : ''}, enter the build rules above in Docker Hub`,
      `(they are also in ${where}), push, and when the builds finish run: npx create-multiarch-hooks verify`,
    ].join('\n'),
  );
  const ci = plans.find((p) => p.choices.ci !== 'none')?.choices.ci;
  if (ci) {
    const dockerfiles = many
      ? plans.map((p) => ` --dockerfile ${relative(o.cwd, p.repo.dockerfilePath).split(sep).join('/')}`).join('')
      : '';
    o.out(
      [
        ci === 'github'
          ? 'To build on GitHub Actions instead: add the repository secrets DOCKERHUB_USERNAME and ' +
            'DOCKERHUB_TOKEN, push, and once the workflow'
          : 'To build on Bitbucket Pipelines instead: add the secured repository variables ' +
            'DOCKERHUB_USERNAME and DOCKERHUB_TOKEN, push, and once the pipeline',
        `has published, run: npx create-multiarch-hooks --retire-hooks${dockerfiles}`,
      ].join('\n'),
    );
  }
  return 0;
}

/**
 * On a terminal (no --yes, --adopt or --force), a plan whose only conflicts are a recognised
 * hand-made setup's files asks once whether to replace them; yes adopts them, and replaces those
 * that do more than the recipe too, since the question said what they would lose.
 */
async function confirmAdoption(plans: readonly Plan[], o: GenerateOptions): Promise<{ force: boolean; adopt: boolean }> {
  const asked = { force: o.force, adopt: o.adopt === true };
  if (o.force || o.adopt || !o.flags.interactive || o.flags.yes) return asked;
  const files = handMadeOnly(plans.flatMap((p) => p.files.filter((f) => f.action === 'conflict')));
  if (!files) return asked;
  const q = adoptQuestion(files);
  const answer = await ask([
    {
      key: 'adopt',
      text: q.text,
      def: 'no',
      help: q.help,
      check: (a) => {
        if (!/^(y|yes|n|no)$/i.test(a)) throw new UserError('Answer yes or no.');
      },
    },
  ]);
  if (/^y/i.test(answer.adopt ?? '')) return { force: true, adopt: true };
  throw new UserError('Nothing was written: the hand-made files stay; re-run and answer yes, or pass --adopt, to replace them.');
}

/** The git commands that stage what `plans` generate, relative to `cwd`, for when staging failed. */
function stageCommands(plans: readonly Plan[], cwd: string): string[] {
  const rel = (plan: Plan, p: string) => shQuote(posix.normalize(relative(cwd, join(plan.repo.dir, p)).split(sep).join('/')));
  const files = plans.flatMap((plan) => plan.files.filter((f) => f.action !== 'delete').map((f) => ({ plan, f })));
  const hooks = files.filter(({ f }) => f.mode === 0o755).map(({ plan, f }) => rel(plan, f.path));
  const rest = files.filter(({ f }) => f.mode !== 0o755).map(({ plan, f }) => rel(plan, f.path));
  const gone = plans.flatMap((plan) => plan.files.filter((f) => f.action === 'delete').map((f) => rel(plan, f.path)));
  return [
    `  git add --chmod=+x -- ${hooks.join(' ')}`,
    `  git add -- ${rest.join(' ')}`,
    ...(gone.length > 0 ? [`  git rm --cached --ignore-unmatch -q -- ${gone.join(' ')}`] : []),
  ];
}

/**
 * With several Dockerfiles each needs its own repository: the record's, else --repo with `{dir}`
 * replaced by the Dockerfile's folder name, else the remote's namespace and the folder name.
 */
function repositoryFor(repo: RepoState, flag: string | undefined): string | undefined {
  const folder = basename(repo.dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-');
  if (flag !== undefined) return flag.replaceAll('{dir}', folder);
  if (repo.record) return repo.record.repository;
  const ns = repo.guessedRepository?.split('/')[0];
  return ns ? `${ns}/${folder}` : undefined;
}

function checkDistinct(plans: readonly Plan[], cwd: string): void {
  const name = (abs: string) => relative(cwd, abs) || abs;
  const seen = new Map<string, string>();
  for (const p of plans) {
    const other = seen.get(p.repo.dir);
    if (other)
      throw new UserError(
        `${name(other)} and ${name(p.repo.dockerfilePath)} are in the same folder; Docker Hub runs one ` +
          `hooks/ folder per directory, so give each Dockerfile its own folder.`,
      );
    seen.set(p.repo.dir, p.repo.dockerfilePath);
  }
  const repos = new Map<string, string>();
  for (const p of plans) {
    const other = repos.get(p.choices.repository);
    if (other)
      throw new UserError(
        `${name(other)} and ${name(p.repo.dockerfilePath)} would both publish ${p.choices.repository}; ` +
          `give them different repositories (--repo acme/{dir}).`,
      );
    repos.set(p.choices.repository, p.repo.dockerfilePath);
  }
  // Files outside each Dockerfile's folder (the --ci github workflow, named after the folder)
  // could still meet: `svc/api` and `svc-api` both give multiarch-hooks-svc-api.yml.
  const targets = new Map<string, string>();
  const contents = new Map<string, string>();
  for (const p of plans) {
    for (const f of p.files) {
      const abs = join(p.repo.dir, f.path);
      const other = targets.get(abs);
      // The repo's one bitbucket-pipelines.yml is planned alike by every Dockerfile (withBitbucketPeers).
      if (other && f.content === contents.get(abs)) continue;
      contents.set(abs, f.content);
      if (other)
        throw new UserError(
          `${name(other)} and ${name(p.repo.dockerfilePath)} would both write ${name(abs)}; rename one of their folders.`,
        );
      targets.set(abs, p.repo.dockerfilePath);
    }
  }
}

/**
 * --retire-hooks removes what Docker Hub builds with, so the pipeline must exist already (written
 * by an earlier run, committed, seen publishing): not be written by this same run.
 */
function checkRetirement(plans: readonly Plan[]): void {
  for (const p of plans) {
    if (!p.choices.retired || p.repo.record?.retired) continue;
    const pipeline = p.files.find(
      (f) => f.path.endsWith('.yml') && (f.path.includes('.github/workflows/') || posix.basename(f.path) === BITBUCKET_FILE),
    );
    if (pipeline?.action === 'create') {
      throw new UserError(
        `--retire-hooks would remove the Docker Hub hooks before the ${p.choices.ci} pipeline ever ran; ` +
          `run npx create-multiarch-hooks --ci ${p.choices.ci} first, commit and push, and retire the ` +
          `hooks once it has published.`,
        2,
      );
    }
  }
}
