import { Document, isMap, isPair, isScalar, visit } from 'yaml';
import { ACTIONS } from './actions.js';

/** Control characters (a folder name may hold a newline) shown as `?` in comments and names. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, '?');
}

/**
 * A workflow file from a plain object, written by the `yaml` library so that every value from the
 * repo is quoted as YAML needs (no folder name can add a key), with a header comment and each
 * pinned action's version as a comment after its SHA.
 */
export function toYaml(value: unknown, header: string[]): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  // Comments are never evaluated, but a `${{` there would still read like an expression.
  doc.commentBefore = header.map((l) => ` ${printable(l).replaceAll('${{', '$ {{')}`).join('\n');
  const versions = new Map<string, string>(Object.values(ACTIONS).map((a) => [`${a.action}@${a.sha}`, a.version]));
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const v = versions.get(String(pair.value.value));
        if (v) pair.value.comment = ` ${v}`;
      }
    },
    Map(_, map) {
      // A blank line between top-level sections, as people write workflows.
      if (isMap(map) && map === doc.contents) for (const item of map.items.slice(1)) if (isScalar(item.key)) item.key.spaceBefore = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** `uses:` value of a pinned action. */
export const uses = (a: { action: string; sha: string }) => `${a.action}@${a.sha}`;
