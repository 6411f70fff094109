/**
 * The generator's choices of how, as the record keeps them and every part uses them: how the
 * per-arch builds run foreign binaries (QEMU), what publishes the list, which CI pipeline is written,
 * how Docker Hub builds the platforms (a rule per arch, or one buildx build).
 */
export type QemuStrategy = 'binfmt' | 'copy';
export type Publisher = 'manifest-tool' | 'docker';
export type CiChoice = 'github' | 'bitbucket' | 'none';
/** per-arch: one build rule per arch and source, merged by post_push; buildx: one rule per source builds every platform. */
export type Strategy = 'per-arch' | 'buildx';
export const STRATEGIES: readonly Strategy[] = ['per-arch', 'buildx'];
export const QEMU_STRATEGIES: readonly QemuStrategy[] = ['binfmt', 'copy'];
export const PUBLISHERS: readonly Publisher[] = ['manifest-tool', 'docker'];
