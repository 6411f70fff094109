/**
 * `create-multiarch-hooks simulate`: runs the repo's Docker Hub build rules (from
 * .multiarch-hooks.json) the way Docker Hub's builders do, against a local registry or the real
 * repository, then verifies the published list. See phases.ts for one rule, rules.ts for which
 * rules a push triggers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { EVERY_ARCH, parseRecord, RECORD_FILE, type GeneratorRecord } from '../record/index.js';
import { shQuote } from '../hooks/quote.js';
import { isLoopback } from '../registry/reference.js';
import { findSpecDirs } from '../check/index.js';
import { readGit, type GitFacts } from './git.js';
import { formatLeftovers, runTags, snapshot, type Snapshot } from './leftovers.js';
import { findOnPath, registryBinary, startLocalRegistry, type LocalRegistry } from './local-registry.js';
import { ProcessGroups, runRule, Turns, type RuleResult } from './phases.js';
import { Progress } from './progress.js';
import { rulePaths, selectRuns, type RuleRun, type Source } from './rules.js';
import { summaryTable } from './summary.js';
import { verifyList } from './verify-list.js';

export type Order = 'sequential' | 'parallel' | 'reverse';

export interface SimulateOptions {
  /** The folder holding .multiarch-hooks.json (the Dockerfile's folder). */
  dir: string;
  /** `HOST:PORT`: images and list go to `HOST:PORT/<repository>`. */
  registry?: string;
  /** Start Debian's docker-registry on a free loopback port for the run. */
  startRegistry?: boolean;
  /** With startRegistry: leave it running at the end and print its address. */
  keepRegistry?: boolean;
  /** Simulate pushing this git tag (the Tag rules whose regex matches it). */
  tag?: string;
  /** Simulate a push to this branch (default: the record's branch). */
  sourceBranch?: string;
  order: Order;
  /** Push to the real repository (`index.docker.io/<repository>`). */
  push: boolean;
  /** Where each rule's log goes (`<logDir>/<tag>.log`); default a new temp dir. */
  logDir?: string;
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Seconds between "still running" lines (default 30). */
  heartbeatSeconds?: number;
}

/** Docker Hub's builders name the repository this way (see docs: DOCKER_REPO). */
export const DOCKER_HUB_REPO_HOST = 'index.docker.io';
const LOG_TAIL_LINES = 25;

function checkOptions(o: SimulateOptions): void {
  const targets = [o.registry !== undefined, Boolean(o.startRegistry), o.push].filter(Boolean).length;
  if (targets === 0) {
    throw new UserError(
      'Say where the builds push: --registry HOST:PORT, --start-registry (a throwaway local registry) ' +
        'or --push (the real Docker Hub repository).',
      2,
    );
  }
  if (targets > 1) throw new UserError('Give only one of --registry, --start-registry and --push.', 2);
  if (o.registry !== undefined && !/^(?:[a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/.test(o.registry)) {
    throw new UserError(
      `--registry ${o.registry} is not HOST:PORT (e.g. 127.0.0.1:5000); give the registry's address without a scheme or path.`,
      2,
    );
  }
  if (!['sequential', 'parallel', 'reverse'].includes(o.order))
    throw new UserError(`--order ${o.order} is not one of sequential, parallel, reverse.`, 2);
  if (o.keepRegistry && !o.startRegistry) throw new UserError('--keep-registry only goes with --start-registry.', 2);
  if (o.tag !== undefined && o.sourceBranch !== undefined)
    throw new UserError('Give --tag or --source-branch, not both: a push is one or the other.', 2);
  if (o.tag === '' || o.sourceBranch === '') throw new UserError('--tag and --source-branch need a name.', 2);
}

export function loadRecord(dir: string): GeneratorRecord {
  const file = path.join(dir, RECORD_FILE);
  if (!fs.existsSync(file)) {
    const below = findSpecDirs(dir).filter((d) => fs.existsSync(path.join(d, RECORD_FILE)));
    if (below.length > 0) {
      const names = below.map((d) => path.relative(process.cwd(), d) || '.');
      throw new UserError(
        `No ${RECORD_FILE} in ${dir}; pass the folder of ` +
          `the Dockerfile to build with --dir (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}).`,
        2,
      );
    }
    throw new UserError(
      `No ${RECORD_FILE} in ${dir}; run npx create-multiarch-hooks first (or pass the folder it wrote into with --dir).`,
      2,
    );
  }
  const r = parseRecord(fs.readFileSync(file, 'utf8'), file);
  // A record the generator cannot read is rewritten only with --force (it refuses otherwise).
  if ('error' in r) throw new UserError(`${r.error}; rewrite it with ${rerun(dir, undefined)} --force.`, 2);
  if (!Array.isArray(r.buildRules) || typeof r.repository !== 'string') {
    throw new UserError(`${file} has no build rules; rewrite it with ${rerun(dir, r.dockerfile)}.`, 2);
  }
  if (r.retired) {
    throw new UserError(
      `The Docker Hub hooks of ${dir} were retired for the ${r.ci ?? 'CI'} pipeline (--retire-hooks), ` +
        `so there is nothing to simulate; check what the pipeline published with npx ` +
        `create-multiarch-hooks verify.`,
      2,
    );
  }
  return r;
}

/**
 * Every rule runs `docker`: without an engine each would fail the same way, so it is asked once,
 * before anything runs, and its absence is one sentence.
 */
function checkDockerEngine(env: NodeJS.ProcessEnv): void {
  if (!findOnPath('docker', env)) {
    throw new UserError(
      'simulate runs the builds with docker, which is not installed here (not on PATH); install Docker and run simulate again.',
    );
  }
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status === 0 && r.stdout.trim()) return;
  const said = (r.stderr || r.error?.message || '').trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
  const where = env.DOCKER_HOST ? ` at DOCKER_HOST=${env.DOCKER_HOST}` : '';
  // Docker's own line is two sentences ("Cannot connect to ... .sock. Is the docker daemon running?"): the first is the fact.
  throw new UserError(
    `No Docker engine answers${where} (${said.split(/\.\s/)[0]!.replace(/[.\s]+$/, '')}); start it ` +
      `(or point DOCKER_HOST at one) and run simulate again.`,
  );
}

/** The generator's command for the Dockerfile in `dir`, as typed from the current folder. */
function rerun(dir: string, dockerfile: unknown): string {
  const file = path
    .relative(process.cwd(), path.join(dir, typeof dockerfile === 'string' ? dockerfile : 'Dockerfile'))
    .split(path.sep)
    .join('/');
  return file === 'Dockerfile' ? 'npx create-multiarch-hooks' : `npx create-multiarch-hooks --dockerfile ${shQuote(file)}`;
}

function ordered(runs: RuleRun[], order: Order): RuleRun[] {
  return order === 'reverse' ? [...runs].reverse() : runs;
}

/** The variables Docker Hub's builder gives every hook (documented ones, plus CACHE_TAG as observed: empty). */
function hubEnv(base: NodeJS.ProcessEnv, run: RuleRun, source: Source, git: GitFacts, dockerRepo: string): NodeJS.ProcessEnv {
  return {
    ...base,
    SOURCE_BRANCH: source.name,
    SOURCE_COMMIT: git.commit,
    COMMIT_MSG: git.message,
    DOCKER_REPO: dockerRepo,
    DOCKERFILE_PATH: run.rule.dockerfile,
    DOCKER_TAG: run.dockerTag,
    IMAGE_NAME: `${dockerRepo}:${run.dockerTag}`,
    CACHE_TAG: '',
  };
}

async function pool<T, R>(
  items: readonly T[],
  limit: number,
  stop: () => boolean,
  fn: (item: T) => Promise<R>,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function logTail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function simulateCommand(opts: SimulateOptions): Promise<number> {
  checkOptions(opts);
  const env = opts.env ?? process.env;
  const dir = path.resolve(opts.dir);
  const record = loadRecord(dir);
  const git = readGit(dir);
  const source: Source =
    opts.tag !== undefined ? { type: 'Tag', name: opts.tag } : { type: 'Branch', name: opts.sourceBranch ?? record.branch };
  const runs = ordered(selectRuns(record, source), opts.order);
  for (const r of runs) {
    const { dockerfileAbs } = rulePaths(git.root, r.rule);
    if (!fs.existsSync(dockerfileAbs)) {
      throw new UserError(
        `The ${r.rule.arch} rule builds ${path.relative(process.cwd(), dockerfileAbs) || dockerfileAbs}, ` +
          `which does not exist; regenerate the files with ${rerun(dir, record.dockerfile)}.`,
        2,
      );
    }
  }
  // What is missing on this machine, before anything starts: the registry's binary, then docker.
  if (opts.startRegistry) registryBinary(env);
  checkDockerEngine(env);
  let local: LocalRegistry | undefined;
  if (opts.startRegistry) local = await startLocalRegistry(env);
  const logDir = opts.logDir ? path.resolve(opts.logDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-simulate-logs-'));
  fs.mkdirSync(logDir, { recursive: true });
  const registry = opts.push ? 'docker.io' : (local?.host ?? opts.registry!);
  const dockerRepo = `${opts.push ? DOCKER_HUB_REPO_HOST : registry}/${record.repository}`;
  const groups = new ProcessGroups();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!interrupted) {
      interrupted = true;
      opts.err(`${sig}: stopping the running builds (again to kill them at once)...`);
      void groups.stopAll();
    } else if (groups.running > 0) {
      void groups.stopAll(0);
    } else {
      // Nothing of ours left to stop (e.g. verify is reading the registry): die of the signal as usual.
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (local && !opts.keepRegistry) local.killNow();
      process.kill(process.pid, sig);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const short = git.commit.slice(0, 12);
    opts.out(
      `Simulating Docker Hub builds of ${record.repository} for a push of ${source.type.toLowerCase()} ${source.name} (commit ${short}):`,
    );
    opts.out(`${runs.length} build rules, ${opts.order}, pushing to ${dockerRepo}; logs in ${logDir}`);
    if (local) opts.out(`Started docker-registry on ${local.host} for this run.`);
    if (git.dirty)
      opts.out(
        'Note: the work tree has uncommitted changes or untracked files; they are built too (Docker Hub ' +
          'builds the commit): commit them first.',
      );

    const { archTags, listTags } = runTags(runs);
    const before: Snapshot | undefined = await snapshot(registry, record.repository, [...archTags, ...listTags], env).catch(
      () => undefined,
    );

    const progress = new Progress(opts.out, runs, (opts.heartbeatSeconds ?? 30) * 1000);
    progress.start();
    const limit = opts.order === 'parallel' ? runs.length : 1;
    const preBuildTurns = new Turns();
    const results = await pool(
      runs,
      limit,
      () => groups.stopping,
      async (run) => {
        const logFile = path.join(logDir, `${run.dockerTag}.log`);
        fs.writeFileSync(logFile, '');
        const { contextDir } = rulePaths(git.root, run.rule);
        progress.ruleStart(run);
        const r = await runRule({
          run,
          env: hubEnv(env, run, source, git, dockerRepo),
          hookDir: dir,
          contextDir,
          logFile,
          groups,
          preBuildTurns,
          onPhase: (phase, event, result) => progress.phase(run, phase, event, result),
        });
        progress.ruleEnd(r);
        if (r.status === 'failed') {
          opts.err(
            `--- ${run.dockerTag}: last lines of ${logFile} ---\n${logTail(logFile, LOG_TAIL_LINES)}\n--- end of ${run.dockerTag} ---`,
          );
        }
        return r;
      },
    );
    progress.stop();
    const all: RuleResult[] = results.map(
      (r, i) =>
        r ?? { run: runs[i]!, status: 'not run', durationMs: 0, phases: [], logFile: path.join(logDir, `${runs[i]!.dockerTag}.log`) },
    );

    opts.out('');
    opts.out(summaryTable(all));
    opts.out(`Logs: ${logDir}`);
    const passed = all.every((r) => r.status === 'passed');

    if (interrupted) {
      opts.out('');
      opts.out('Interrupted: the running builds were stopped.');
      try {
        const now = await snapshot(registry, record.repository, [...archTags, ...listTags], env);
        for (const l of formatLeftovers(dockerRepo, runs, before, now)) opts.out(l);
      } catch (e) {
        opts.err(`Could not read ${dockerRepo} to say what was left: ${(e as Error).message}`);
      }
      return 130;
    }

    let verified = true;
    for (const listTag of listTags) {
      const forList = all.filter((r) => r.run.listTag === listTag);
      const image = `${registry}/${record.repository}:${listTag}`;
      opts.out('');
      if (!forList.some((r) => r.status === 'passed')) {
        opts.out(`verify ${image}: skipped, no build of this list passed.`);
        verified = false;
        continue;
      }
      opts.out(`verify ${image}:`);
      const check = await verifyList({
        image,
        dir,
        insecure: !opts.push && !isLoopback(registry) && env.MULTIARCH_INSECURE_REGISTRY === '1',
        // A --strategy buildx rule builds every arch of the record.
        arches: forList.flatMap((r) => (r.run.rule.arch === EVERY_ARCH ? record.arches : [r.run.rule.arch])),
        commit: git.commit,
        env,
        out: opts.out,
        err: opts.err,
      });
      if (!check.ok) verified = false;
    }
    opts.out('');
    const failed = all.filter((r) => r.status !== 'passed').length;
    opts.out(
      passed && verified
        ? `All ${all.length} builds passed and the list is what it should be.`
        : `${failed ? `${failed} of ${all.length} builds failed` : `All ${all.length} builds passed`}${verified ? '' : `${failed ? ' and' : ' but'} verify found problems`}; ` +
            `see above${failed ? ' and the logs' : ''}.`,
    );
    return passed && verified ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (groups.running > 0) await groups.stopAll();
    if (local) {
      if (opts.keepRegistry) {
        local.detach();
        opts.out(`The registry keeps running on ${local.host} (pid ${local.pid}, data in ${local.dir}); stop it with: kill ${local.pid}`);
      } else {
        await local.stop();
      }
    }
  }
}
