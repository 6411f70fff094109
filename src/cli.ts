import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ARCHES, DEFAULT_ARCHES, platformString } from './arch.js';
import { UserError } from './errors.js';
import { resolve } from 'node:path';
import { parseArchList } from './generate/choice-values.js';
import { VERSION } from './version.js';

/** verify's usage errors exit 2 (its contract: 0 all well, 1 findings, 2 usage). */
function usageError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message, 2);
    throw e;
  }
}

// `create-multiarch-hooks | head`: once the reader has gone, the rest of the output is dropped
// (not an unhandled 'error' event with a stack); the run itself goes on and exits as it would.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}

const archList = ARCHES.map((a) => `${a.name}=${platformString(a.platform)}`).join(', ');
const aliasExamples = ARCHES.flatMap((a) => a.aliases.slice(0, 1)).join(', ');

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const parser = yargs(argv)
    .scriptName('create-multiarch-hooks')
    .usage(
      '$0 [options]\n\nGenerates per-arch Dockerfiles, Docker Hub build hooks and a manifest list spec ' +
        'next to your Dockerfile,\nso Docker Hub autobuilds publish one multi-arch tag.',
    )
    .command(
      '$0',
      'generate the files (default command)',
      (y) =>
        y
          // No yargs default: with one, `--dockerfile` given without a value silently means Dockerfile.
          .option('dockerfile', {
            type: 'string',
            requiresArg: true,
            array: true,
            describe:
              'the Dockerfile to build from (default: Dockerfile) (a subfolder works); repeat for several, ' +
              'each in its own folder, with --repo ns/{dir}',
          })
          .option('repo', {
            type: 'string',
            requiresArg: true,
            describe: 'Docker Hub repository, namespace/name (default: from the git remote)',
          })
          .option('arch', {
            type: 'string',
            requiresArg: true,
            array: true,
            describe:
              `architectures (default ${DEFAULT_ARCHES.join(',')}); known: ${archList}; also their common ` +
              `names (${aliasExamples}, ... or the platform) work`,
          })
          .option('qemu', {
            type: 'string',
            requiresArg: true,
            choices: ['binfmt', 'copy'],
            describe: 'binfmt: register QEMU with the fix-binary flag (default); copy: copy qemu into images (kernels < 4.8)',
          })
          .option('publisher', {
            type: 'string',
            requiresArg: true,
            choices: ['manifest-tool', 'docker'],
            describe: 'what publishes the list: docker manifest (default) or the pinned manifest-tool',
          })
          .option('branch', {
            type: 'string',
            requiresArg: true,
            describe: 'the branch Docker Hub builds as latest (default: the current branch)',
          })
          .option('context', {
            type: 'string',
            requiresArg: true,
            describe: "build context as entered in Docker Hub (default: the Dockerfile's folder)",
          })
          .option('tag-regex', {
            type: 'string',
            requiresArg: true,
            describe: 'version tag rule, e.g. /^v([0-9.]+)$/ (default); "" for none',
          })
          .option('strategy', {
            type: 'string',
            requiresArg: true,
            choices: ['per-arch', 'buildx'],
            describe:
              'per-arch: one Docker Hub build rule per arch, merged into a list by post_push (default); ' +
              'buildx: one rule per source builds every platform with docker buildx and pushes one index',
          })
          .option('ci', {
            type: 'string',
            requiresArg: true,
            choices: ['github', 'bitbucket', 'none'],
            describe:
              'also write a GitHub Actions workflow or bitbucket-pipelines.yml building the same images (autobuilds retire on 2027-04-01)',
          })
          .option('arch-tags', {
            type: 'boolean',
            describe:
              'the CI pipeline (and --strategy buildx) also publishes the per-arch tags (arm64v8, ' +
              '1.2.3-arm64v8); --no-arch-tags drops them (default: on)',
          })
          .option('retire-hooks', {
            type: 'boolean',
            default: false,
            describe: 'with --ci: remove the Docker Hub-only files (hooks, rules file, per-arch Dockerfiles the pipeline does not need)',
          })
          .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'take the defaults, ask nothing' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan, write nothing' })
          .option('check', { type: 'boolean', default: false, describe: 'exit 1 if a generated file is missing or out of date (for CI)' })
          .option('force', {
            type: 'boolean',
            default: false,
            describe: 'overwrite files you changed or did not generate (keeps a .bak copy)',
          })
          .option('include', {
            type: 'string',
            array: true,
            requiresArg: true,
            describe:
              'IMAGE of this repository built elsewhere (e.g. acme/demo:windows-ltsc2022) that every published list also names, by digest (repeatable)',
          })
          .option('include-revision', {
            type: 'string',
            requiresArg: true,
            describe: 'verify: the included images carry the same revision label as the others (same, default) or any',
          })
          .option('adopt', {
            type: 'boolean',
            default: false,
            describe:
              'replace a hand-made multi-arch setup (per-arch Dockerfiles copying qemu, hooks from the blog recipes), keeping .bak copies',
          })
          .option('offline', {
            type: 'boolean',
            default: false,
            describe: "do not ask Docker Hub whether each arch's official base image exists",
          }),
      async (args) => {
        // Imported when it runs, as verify and simulate are: --help, --version and the other
        // commands then never load the Dockerfile parser or the yaml library.
        const { runGenerate } = await import('./generate/index.js');
        exitCode = await runGenerate({
          cwd: process.cwd(),
          dockerfiles: args.dockerfile ?? ['Dockerfile'],
          flags: {
            repo: args.repo,
            arch: args.arch,
            qemu: args.qemu,
            publisher: args.publisher,
            branch: args.branch,
            context: args.context,
            tagRegex: args['tag-regex'],
            ci: args.ci,
            strategy: args.strategy,
            archTags: args['arch-tags'],
            retireHooks: args['retire-hooks'],
            include: args.include,
            includeRevision: args['include-revision'],
            yes: args.yes,
            interactive: Boolean(process.stdin.isTTY) && !args.check,
          },
          dryRun: args['dry-run'],
          check: args.check,
          force: args.force,
          adopt: args.adopt,
          offline: args.offline,
          env: process.env,
          out: (s) => process.stdout.write(s + '\n'),
          info: (s) => process.stderr.write(`info: ${s}\n`),
          warn: (s) => process.stderr.write(`warn: ${s}\n`),
        });
      },
    )
    .command(
      'verify [image]',
      'check a published multi-arch tag the way every docker pull will see it',
      (y) =>
        y
          .positional('image', { type: 'string', describe: 'IMAGE[:TAG] (default: the image in multi-arch-manifest.yaml, tag latest)' })
          .option('dir', {
            type: 'string',
            requiresArg: true,
            describe: 'folder holding multi-arch-manifest.yaml (default: the current folder, else every one below it)',
          })
          .option('arch', {
            type: 'string',
            requiresArg: true,
            array: true,
            describe: 'expected architectures (default: those in multi-arch-manifest.yaml)',
          })
          .option('insecure', {
            type: 'boolean',
            default: false,
            describe: 'plain HTTP / no TLS verification (loopback registries need no flag)',
          })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' })
          .option('timeout', { type: 'number', describe: 'seconds the whole check may take before it gives up (default 300)' }),
      async (args) => {
        const { verifyCommand } = await import('./verify/index.js');
        exitCode = await verifyCommand({
          image: args.image,
          dir: resolve(args.dir ?? '.'),
          searchBelow: args.dir === undefined,
          insecure: args.insecure,
          json: args.json,
          timeoutMs: args.timeout === undefined ? undefined : args.timeout * 1000,
          arches: args.arch ? usageError(() => parseArchList(args.arch!)) : undefined,
          out: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
        });
      },
    )
    .command(
      'simulate',
      'run the Docker Hub build rules here, as Docker Hub would (a local check before you push)',
      (y) =>
        y
          .option('dir', {
            type: 'string',
            requiresArg: true,
            default: '.',
            describe: "folder holding .multiarch-hooks.json (the Dockerfile's folder)",
          })
          .option('registry', { type: 'string', requiresArg: true, describe: 'HOST:PORT: push the images and the list there' })
          .option('start-registry', {
            type: 'boolean',
            default: false,
            describe: "start a throwaway local registry (Debian's docker-registry) for the run",
          })
          .option('keep-registry', {
            type: 'boolean',
            default: false,
            describe: 'with --start-registry: leave it running and print its address',
          })
          .option('push', { type: 'boolean', default: false, describe: 'push to the real repository (Docker Hub)' })
          .option('tag', { type: 'string', requiresArg: true, describe: 'simulate pushing this git tag (the version tag rules)' })
          .option('source-branch', {
            type: 'string',
            requiresArg: true,
            describe: 'simulate a push to this branch (default: the recorded branch)',
          })
          .option('order', {
            type: 'string',
            requiresArg: true,
            choices: ['sequential', 'parallel', 'reverse'],
            default: 'sequential',
            describe: 'how the rules run; parallel is what Docker Hub does',
          })
          .option('log-dir', { type: 'string', requiresArg: true, describe: "where each rule's log goes (default: a new temp folder)" }),
      async (args) => {
        const { simulateCommand } = await import('./simulate/index.js');
        exitCode = await simulateCommand({
          dir: resolve(args.dir),
          registry: args.registry,
          startRegistry: args['start-registry'],
          keepRegistry: args['keep-registry'],
          push: args.push,
          tag: args.tag,
          sourceBranch: args['source-branch'],
          order: args.order as 'sequential' | 'parallel' | 'reverse',
          logDir: args['log-dir'],
          out: (s) => process.stdout.write(s + '\n'),
          err: (s) => process.stderr.write(s + '\n'),
        });
      },
    )
    .strict()
    .version(VERSION)
    .alias('version', ['V', 'v'])
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own parse errors (a flag without its value) come as a YError; anything else is ours.
      if (err && err.name !== 'YError') throw err;
      throw new UserError(`${oneSentence(msg ?? err.message)}; see --help.`, 2);
    });
  await parser.parseAsync();
  return exitCode;
}

/**
 * yargs reports a bad choice over several lines ("Invalid values:\n  Argument: qemu, Given: ...");
 * an error here is one sentence: `--qemu must be one of binfmt, copy, not "foo"`.
 */
function oneSentence(msg: string): string {
  const bad = [...msg.matchAll(/Argument: ([^,]+), Given: ("[^"]*"|\S+), Choices: (.*)/g)].map(([, arg, given, choices]) => {
    const value = JSON.parse(given!.startsWith('"') ? given! : JSON.stringify(given)) as string;
    const valid = choices!
      .split(/,\s*/)
      .map((c) => c.replace(/^"|"$/g, ''))
      .join(', ');
    return `--${arg} must be one of ${valid}${value === '' ? '' : `, not "${value}"`}`;
  });
  if (bad.length > 0) return bad.join(', and ');
  const missing = /^Not enough arguments following: (\S+)$/.exec(msg.trim());
  if (missing) return `--${missing[1]} needs a value`;
  return msg.replace(/\s*\n\s*/g, ' ');
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(
      `create-multiarch-hooks ${VERSION}: internal error (this is a bug, please report it with the ` +
        `output below)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
