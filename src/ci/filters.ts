/**
 * Trigger filters from Docker Hub build rule sources (a branch name, or a tag `/regex/`): GitHub
 * filter patterns, Bitbucket glob patterns, and the regex as a POSIX ERE for shell scripts.
 */
import { UserError } from '../errors.js';

/**
 * One workflow per Dockerfile folder: `multiarch-hooks.yml` for the repo root, else named after the
 * folder (`svc/api` -> `multiarch-hooks-svc-api.yml`), so several Dockerfiles never share a file.
 */
export function workflowPath(dir: string): string {
  const slug = dir === '.' ? '' : `-${dir.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
  return `.github/workflows/multiarch-hooks${slug}.yml`;
}

/** GitHub's filter patterns give `*?+[]!` meaning; a backslash makes them literal. */
export function globEscape(s: string): string {
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

/**
 * A Bitbucket glob pattern for a build rule source. Bitbucket's globs give `*?[]{}!` meaning and
 * have no escape: a tag regex whose literal prefix holds one widens to `**` (the step applies
 * the exact regex); a branch name holding one is refused, since it cannot be matched exactly.
 */
export function bitbucketGlob(source: string): string {
  if (/^\/.*\/$/s.test(source)) {
    const glob = filterGlob(source);
    return /[\\{}]/.test(glob) ? '**' : glob;
  }
  if (/[*?[\]{}!\\]/.test(source)) {
    throw new UserError(
      `Branch ${source} holds a character Bitbucket's branch patterns treat as a wildcard; build from ` +
        `a branch without *?[]{}! (--branch NAME).`,
    );
  }
  return source;
}

/**
 * The body of a `/regex/` tag rule as a POSIX extended regex for `sed -E` (a Bitbucket step has
 * no JavaScript or Python): `\d` becomes `[0-9]`; what ERE cannot say is refused with the fix.
 */
export function toEre(source: string): string {
  const m = /^\/(.*)\/$/s.exec(source);
  if (!m) throw new Error(`bug: ${source} is not a /regex/`);
  const body = m[1]!;
  if (/\(\?|[*+?}]\?|\\[wWsSbBDpPk0-9]/.test(body)) {
    throw new UserError(
      `The tag rule ${source} uses regex syntax that Bitbucket's shell (sed -E) does not have; write ` +
        `it with plain groups, classes like [0-9] and \\d only (e.g. --tag-regex '/^v([0-9.]+)$/').`,
    );
  }
  return body.replace(/\\d/g, '[0-9]');
}
