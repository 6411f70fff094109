/**
 * `--ci github`: a GitHub Actions workflow that runs `simulate --push` on the pushes Docker Hub's
 * build rules would have built: the branch rules' branches and the tag rules' tags.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import Handlebars from 'handlebars';
import type { GeneratorRecord } from '../generate/record.js';
import { RECORD_FILE } from '../generate/record.js';
import { templatePath } from '../package-root.js';

/**
 * One workflow per Dockerfile folder: `multiarch-hooks.yml` for the repo root, else named after the
 * folder (`svc/api` -> `multiarch-hooks-svc-api.yml`), so several Dockerfiles never share a file.
 */
export function workflowPath(dir: string): string {
  const slug = dir === '.' ? '' : `-${dir.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
  return `.github/workflows/multiarch-hooks${slug}.yml`;
}

let template: HandlebarsTemplateDelegate | undefined;

/** GitHub's filter patterns give `*?+[]!` meaning; a backslash makes them literal. */
function globEscape(s: string): string {
  return s.replace(/[*?+[\]!\\]/g, (c) => `\\${c}`);
}

const REGEX_META = new Set(['.', '[', '(', ')', '*', '+', '?', '{', '}', '^', '$', '|']);
/** After a `\`: escapes that stand for one literal character. */
const LITERAL_ESCAPE = /[.\-/\\^$*+?()[\]{}|]/;

/**
 * A GitHub filter pattern that matches every name `source` matches (a name or a `/regex/`), and
 * maybe more: the regex's literal prefix after `^`, then `**`. simulate applies the exact regex.
 */
export function filterGlob(source: string): string {
  const m = /^\/(.*)\/$/s.exec(source);
  if (!m) return globEscape(source);
  const body = m[1]!;
  // An alternation anywhere can make the prefix optional; unanchored matches anywhere.
  if (!body.startsWith('^') || body.includes('|')) return '**';
  let prefix = '';
  let i = 1;
  for (; i < body.length; i++) {
    const c = body[i]!;
    let lit: string | undefined;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined || !LITERAL_ESCAPE.test(next)) break;
      lit = next;
      i++;
    } else if (!REGEX_META.has(c)) {
      lit = c;
    } else {
      break;
    }
    const q = body[i + 1];
    // `v?`, `v*`, `v{0,2}` make that character optional: it cannot be in the prefix.
    if (q === '?' || q === '*' || q === '{') break;
    prefix += lit;
    if (q === '+') break;
  }
  if (body[i] === '$' && i === body.length - 1) return prefix ? globEscape(prefix) : '**';
  return `${globEscape(prefix)}**`;
}

/** A YAML double-quoted scalar (a JSON string is one). */
const yamlString = (s: string) => JSON.stringify(s);

/** The Dockerfile's folder relative to the repo root, from the rules (Dockerfile paths are relative to the build context). */
export function recordDir(record: GeneratorRecord): string {
  const rule = record.buildRules[0];
  if (!rule) return '.';
  const ctx = rule.context.replace(/^\/+/, '');
  return posix.dirname(posix.join(ctx || '.', rule.dockerfile)) || '.';
}

export function githubWorkflow(record: GeneratorRecord, version: string): { path: string; content: string } {
  template ??= Handlebars.compile(readFileSync(templatePath('github-workflow.yml.hbs'), 'utf8'), { noEscape: true, strict: true });
  const sources = (type: 'Branch' | 'Tag') => [...new Set(record.buildRules.filter((r) => r.sourceType === type).map((r) => r.source))];
  const branches = sources('Branch');
  if (branches.length === 0) branches.push(record.branch);
  const tags = sources('Tag');
  const dir = recordDir(record);
  const content = template({
    version,
    repository: record.repository,
    recordPath: posix.join(dir, RECORD_FILE),
    branches: branches.join(', '),
    tagRegexes: tags.join(', '),
    tags: tags.length > 0,
    branchFilters: [...new Set(branches.map(filterGlob))].map(yamlString),
    tagFilters: [...new Set(tags.map(filterGlob))].map(yamlString),
    workingDirectory: yamlString(dir),
    name: yamlString(dir === '.' ? 'multiarch-hooks' : `multiarch-hooks ${dir}`),
  });
  return { path: workflowPath(dir), content };
}
