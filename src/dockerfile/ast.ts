import { DockerfileParser } from 'dockerfile-ast';

export type DockerfileAst = ReturnType<typeof DockerfileParser.parse>;

// The same text is parsed by several readers: the user's Dockerfile by the rewriter, the native
// check, the per-arch reasons and the BuildKit check; each rewritten Dockerfile by the rewriter's
// own check and then by the BuildKit check for its hook. Parsed once (the readers never change
// the tree); bounded, since a run over many Dockerfiles needs only the last few.
const kept = new Map<string, DockerfileAst>();
const KEPT = 64;

/** dockerfile-ast's tree of `source`, shared by every reader of the same text. */
export function parseAst(source: string): DockerfileAst {
  let ast = kept.get(source);
  if (!ast) {
    ast = DockerfileParser.parse(source);
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
    kept.set(source, ast);
  }
  return ast;
}
