/**
 * The generator's choices of how, as the record keeps them and every part uses them: how the
 * per-arch builds run foreign binaries (QEMU), what publishes the list, which CI pipeline is written.
 */
export type QemuStrategy = 'binfmt' | 'copy';
export type Publisher = 'manifest-tool' | 'docker';
export type CiChoice = 'github' | 'bitbucket' | 'none';
export const QEMU_STRATEGIES: readonly QemuStrategy[] = ['binfmt', 'copy'];
export const PUBLISHERS: readonly Publisher[] = ['manifest-tool', 'docker'];
