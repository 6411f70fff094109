import { Add, Arg, Copy, From, type Instruction, Run } from 'dockerfile-ast';
import { parseAst } from './ast.js';
import { AUTOMATIC_PLATFORM_ARGS } from './expand.js';
import { directivesEnd } from './parse.js';

/** Something in a Dockerfile that only BuildKit builds: the legacy builder (DOCKER_BUILDKIT=0) fails on it. */
export interface BuildkitNeed {
  /** 1-based line. */
  line: number;
  /** Short and readable: `RUN --mount (line 7)` reads well after "needs BuildKit: ". */
  reason: string;
}

/**
 * The flags the legacy builder accepts (moby builder/dockerfile, which refuses anything else with
 * "requires BuildKit" or "unknown flag"): FROM --platform with a value it can read, COPY --from
 * and --chown, ADD --chown. Everything else (RUN --mount/--network/--security, COPY/ADD --chmod,
 * --link, --parents, --exclude, ADD --checksum, --keep-git-dir, ...) is BuildKit's.
 */
const LEGACY_FLAGS: Record<string, readonly string[]> = { RUN: [], COPY: ['from', 'chown'], ADD: ['chown'] };

/** `$BUILDPLATFORM`, `${TARGETARCH}`, `${TARGETOS:-linux}`: BuildKit sets them, the legacy builder leaves them empty. */
function automaticArgsIn(text: string, extra: ReadonlySet<string>): string[] {
  const names = [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  return [...new Set(names.filter((n) => AUTOMATIC_PLATFORM_ARGS.includes(n) || extra.has(n)))];
}

/**
 * Every construct of `source` that the legacy builder cannot build, in file order: a `# syntax=`
 * directive, `$BUILDPLATFORM`/`$TARGET*`/`$BUILD*` in a FROM (its image or `--platform`, directly
 * or through a global ARG whose default uses them), a stage's `ARG TARGETARCH` (and the other
 * automatic platform ARGs, which only BuildKit fills), flags of RUN/COPY/ADD that only BuildKit
 * knows, and heredocs. Never throws: a Dockerfile the rewriter refuses is reported there.
 * dockerfile-ast gives the flags and heredocs of each instruction; the directive is read the way
 * BuildKit reads directives (parse.ts), since dockerfile-ast keeps reading past a comment.
 */
export function buildkitOnly(source: string): BuildkitNeed[] {
  // Each construct below is written with one of these: `# syntax`, `--` (a flag), `<<` (a
  // heredoc), `$` (a variable in FROM) or an automatic ARG's name (TARGETARCH, BUILDPLATFORM...).
  // Text with none of them needs no parse (most per-arch Dockerfiles of a simple Dockerfile).
  if (!/syntax|--|<<|\$|TARGET|BUILD/i.test(source)) return [];
  const needs: BuildkitNeed[] = [];
  const syntax = /^#\s*syntax\s*=\s*(\S+)/im.exec(source.slice(0, directivesEnd(source).end));
  if (syntax) {
    const line = source.slice(0, syntax.index).split('\n').length;
    needs.push({ line, reason: `# syntax=${syntax[1]} (line ${line})` });
  }

  const df = parseAst(source);
  /** Global ARGs whose default uses an automatic platform ARG (`ARG BP=$BUILDPLATFORM`). */
  const platformArgs = new Set<string>();
  let seenFrom = false;
  for (const ins of df.getInstructions()) {
    const line = ins.getRange().start.line + 1;
    const keyword = ins.getKeyword();
    const at = (what: string) => {
      const reason = `${what} (line ${line})`;
      if (!needs.some((n) => n.reason === reason)) needs.push({ line, reason });
    };
    if (ins instanceof From) seenFrom = true;
    if (!seenFrom && ins instanceof Arg) {
      for (const p of ins.getProperties()) {
        if (automaticArgsIn(p.getValue() ?? '', platformArgs).length > 0) platformArgs.add(p.getName());
      }
    }
    // `ARG TARGETARCH` in a stage imports BuildKit's value; the legacy builder leaves it empty.
    if (seenFrom && ins instanceof Arg) {
      for (const p of ins.getProperties()) {
        if (p.getValue() === null && AUTOMATIC_PLATFORM_ARGS.includes(p.getName())) at(`ARG ${p.getName()}`);
      }
    }
    if (ins instanceof From) {
      const vars = automaticArgsIn(fromText(ins), platformArgs);
      if (vars.length > 0) at(`$${vars[0]} in FROM`);
      continue;
    }
    if (!(ins instanceof Run || ins instanceof Copy || ins instanceof Add)) continue;
    const allowed = LEGACY_FLAGS[keyword] ?? [];
    for (const f of ins.getFlags()) {
      if (!allowed.includes(f.getName().toLowerCase())) at(`${keyword} --${f.getName()}`);
    }
    if (hasHeredoc(ins)) at(`a heredoc in ${keyword}`);
  }
  return needs.sort((a, b) => a.line - b.line);
}

/** The FROM's flags and image as written (`AS name` cannot hold a variable Docker expands). */
function fromText(f: From): string {
  const args = f.getArguments();
  return [...f.getFlags().map((fl) => fl.getValue() ?? ''), args[0]?.getValue() ?? ''].join(' ');
}

function hasHeredoc(ins: Instruction): boolean {
  if (ins instanceof Run || ins instanceof Copy) return ins.getHeredocs().length > 0;
  // dockerfile-ast 0.7 reads heredocs in RUN and COPY only; BuildKit also takes them in ADD.
  return ins.getArguments().some((a) => /^<<-?["']?[A-Za-z_]/.test(a.getValue()));
}

/** `RUN --mount (line 7), COPY --link (line 9) and 3 more`: the first `max` reasons, for one line of text. */
export function buildkitSummary(needs: readonly BuildkitNeed[], max = 2): string {
  const items = needs.slice(0, max).map((n) => n.reason);
  if (needs.length > max) items.push(`${needs.length - max} more`);
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : (items[0] ?? '');
}
