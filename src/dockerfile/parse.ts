import { Arg, Copy, From, type Instruction, ModifiableInstruction, Run } from 'dockerfile-ast';
import { parseAst } from './ast.js';
import { UserError } from '../errors.js';
import { type Binding, ExpandError, expandWord } from './expand.js';

/** A text span of the source: [start, end) offsets. */
export interface Span {
  start: number;
  end: number;
}

export interface ArgDecl {
  name: string;
  /** 1-based line of the ARG instruction. */
  line: number;
  /** The raw default as written (quotes and all), or null for `ARG NAME` without `=`. */
  raw: string | null;
  value: Span | null;
}

export interface FlagInfo {
  name: string;
  value: string | null;
  /** The whole `--name=value` text and the value alone. */
  span: Span;
  valueSpan: Span | null;
}

export interface Stage {
  index: number;
  /** 1-based line of the FROM keyword. */
  line: number;
  /** The image argument as written, e.g. `${BASE}` or `alpine:3.20`. */
  image: { raw: string } & Span;
  /** `AS name` as written, or null. */
  name: string | null;
  flags: FlagInfo[];
  /** Offset just after the FROM instruction's last line break (where a line can be added). */
  after: number;
  /** ARG instructions inside this stage. */
  args: ArgDecl[];
  /** Whether a RUN instruction executes in this stage (else it only holds files). */
  runs: boolean;
}

/** A `COPY --from=` or `RUN --mount=...,from=` value: a stage name, stage index or image. */
export interface FromReference extends Span {
  value: string;
  /** `COPY` or `RUN`, as the instruction's keyword. */
  keyword: string;
  /** 1-based line of the instruction. */
  line: number;
  /** Index of the stage the instruction belongs to. */
  stage: number;
}

export interface ParsedDockerfile {
  source: string;
  file: string;
  escape: string;
  /** Offset just after the parser directives (and a UTF-8 BOM): the first place anything may be added. */
  directivesEnd: number;
  /** The line ending of the source's first line: added lines use it. */
  eol: string;
  globalArgs: ArgDecl[];
  /** Offset after the last global ARG's line, or null when there is none. */
  globalArgsEnd: number | null;
  /** The global ARG scope every FROM sees. */
  env: Map<string, Binding>;
  stages: Stage[];
  fromReferences: FromReference[];
}

/** The line/character positions dockerfile-ast reports. */
type LspRange = { start: { line: number; character: number }; end: { line: number; character: number } };

const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/**
 * Parser directives as BuildKit reads them (parser/directives.go): leading `# key=value` lines
 * with key syntax, escape or check; the first other line, unknown key included, ends them.
 * Hand-written because dockerfile-ast also accepts unknown keys and keeps going, so it may
 * place a directive below a comment that Docker would treat as the end of the directives.
 */
export function directivesEnd(source: string): { end: number; escape: string } {
  let at = source.startsWith('\ufeff') ? 1 : 0;
  let escape = '\\';
  for (;;) {
    const nl = source.indexOf('\n', at);
    const line = source.slice(at, nl === -1 ? source.length : nl);
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(line);
    if (!m || !['syntax', 'escape', 'check'].includes(m[1].toLowerCase()) || nl === -1) return { end: at, escape };
    if (m[1].toLowerCase() === 'escape') escape = m[2];
    at = nl + 1;
  }
}

function lineStarts(source: string): number[] {
  // Same line breaks as the TextDocument dockerfile-ast reports positions in: \r\n, \r, \n.
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\r' && source[i + 1] === '\n') i++;
    if (c === '\r' || c === '\n') starts.push(i + 1);
  }
  return starts;
}

// One user Dockerfile is read by the native check, once per arch by the rewriter, by the per-arch
// reasons and by the twin check: parsed once (the result is never changed by its readers).
// Bounded, for long-lived callers.
const parsed = new Map<string, ParsedDockerfile>();
const PARSED_KEPT = 256;

export function parseDockerfile(source: string, file: string): ParsedDockerfile {
  const key = `${file}\0${source}`;
  let p = parsed.get(key);
  if (!p) {
    p = parseUncached(source, file);
    if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, p);
  }
  return p;
}

function parseUncached(source: string, file: string): ParsedDockerfile {
  const starts = lineStarts(source);
  const off = (p: { line: number; character: number }) => starts[p.line] + p.character;
  const span = (r: LspRange): Span => ({
    start: off(r.start),
    end: off(r.end),
  });
  const lineNo = (i: Instruction) => i.getRange().start.line + 1;
  const afterLine = (offset: number) => {
    const nl = source.indexOf('\n', offset);
    return nl === -1 ? source.length : nl + 1;
  };
  const fail = (line: number, what: string) => new UserError(`${file} line ${line}: ${what}.`);

  const dir = directivesEnd(source);
  const df = parseAst(source);
  if (df.getEscapeCharacter() !== dir.escape) {
    const at = df.getDirectives().find((d) => d.getName().toLowerCase() === 'escape');
    const line = (at?.getRange().start.line ?? 0) + 1;
    throw fail(
      line,
      'Docker ignores this escape directive because a comment or other line comes before it; move it to the top of the file',
    );
  }

  const argDecls = (a: Arg): ArgDecl[] => {
    const props = a.getProperties();
    if (props.length === 0) throw fail(lineNo(a), 'ARG needs a name (ARG NAME or ARG NAME=default)');
    return props.map((p) => {
      const r = p.getValueRange();
      const value = p.getValue() === null || r === null ? null : span(r);
      return { name: p.getName(), line: lineNo(a), value, raw: value ? source.slice(value.start, value.end) : null };
    });
  };

  const globalArgs: ArgDecl[] = [];
  let globalArgsEnd: number | null = null;
  const stages: Stage[] = [];
  const fromReferences: FromReference[] = [];
  const stageNames = new Set<string>();

  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    const line = lineNo(ins);
    if (!INSTRUCTIONS.has(keyword)) {
      throw fail(line, `unknown instruction ${ins.getInstruction()}, which docker build rejects too; fix or remove it`);
    }
    if (ins instanceof From) {
      const args = ins.getArguments();
      const shapeOk = args.length === 1 || (args.length === 3 && args[1].getValue().toLowerCase() === 'as');
      if (!shapeOk) throw fail(line, 'FROM must read FROM [--platform=...] image [AS name]; fix the instruction');
      const name = args.length === 3 ? args[2].getValue() : null;
      if (name !== null) {
        if (stageNames.has(name.toLowerCase())) throw fail(line, `the stage name ${name} is used twice; give each stage its own name`);
        stageNames.add(name.toLowerCase());
      }
      const img = span(args[0].getRange());
      stages.push({
        index: stages.length,
        line,
        image: { raw: source.slice(img.start, img.end), ...img },
        name,
        flags: ins.getFlags().map((f) => {
          const vr = f.getValueRange();
          return { name: f.getName(), value: f.getValue(), span: span(f.getRange()), valueSpan: vr ? span(vr) : null };
        }),
        after: afterLine(off(ins.getRange().end)),
        args: [],
        runs: false,
      });
      continue;
    }
    if (stages.length === 0) {
      if (!(ins instanceof Arg))
        throw fail(line, `${keyword} comes before the first FROM, where only ARG is allowed; move it below a FROM`);
      globalArgs.push(...argDecls(ins));
      globalArgsEnd = afterLine(off(ins.getRange().end));
      continue;
    }
    if (ins instanceof Arg) stages[stages.length - 1].args.push(...argDecls(ins));
    if (ins instanceof Run) stages[stages.length - 1].runs = true;
    if (ins instanceof Copy || ins instanceof Run) {
      const at = { keyword, line, stage: stages.length - 1 };
      fromReferences.push(...fromReferencesOf(ins, span).map((r) => ({ ...r, ...at })));
    }
  }
  if (stages.length === 0) {
    throw new UserError(`${file} has no FROM instruction; a Dockerfile needs at least one (e.g. FROM alpine:3.20).`);
  }

  const firstBreak = /\r?\n/.exec(source);
  return {
    source,
    file,
    escape: dir.escape,
    directivesEnd: dir.end,
    eol: firstBreak ? firstBreak[0] : '\n',
    globalArgs,
    globalArgsEnd,
    env: globalScope(globalArgs, source, dir.escape),
    stages,
    fromReferences,
  };
}

function fromReferencesOf(ins: ModifiableInstruction, span: (r: LspRange) => Span): ({ value: string } & Span)[] {
  const refs: ({ value: string } & Span)[] = [];
  for (const f of ins.getFlags()) {
    const name = f.getName().toLowerCase();
    const vr = f.getValueRange();
    if (name === 'from' && vr && f.getValue() !== null) refs.push({ value: f.getValue()!, ...span(vr) });
    if (name === 'mount') {
      for (const o of f.getOptions()) {
        const or = o.getValueRange();
        if (o.getName().toLowerCase() === 'from' && or && o.getValue() !== null) refs.push({ value: o.getValue()!, ...span(or) });
      }
    }
  }
  return refs;
}

/**
 * The ARGs declared before the first FROM, resolved in order the way Docker does: a default may
 * use the ARGs declared above it; a later declaration of the same name replaces the earlier one.
 * A default that cannot be expanded is kept as an error, raised only if a FROM uses it.
 */
function globalScope(args: ArgDecl[], source: string, escape: string): Map<string, Binding> {
  const env = new Map<string, Binding>();
  for (const a of args) {
    if (a.raw === null || a.value === null) {
      env.set(a.name, { value: null, line: a.line });
      continue;
    }
    try {
      env.set(a.name, { value: expandWord(a.raw, a.value.start, env, escape), line: a.line });
    } catch (e) {
      if (!(e instanceof ExpandError)) throw e;
      env.set(a.name, { error: e.problem, line: a.line });
    }
  }
  return env;
}
