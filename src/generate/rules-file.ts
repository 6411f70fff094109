import { type Arch, findArch, platformString } from '../arch.js';
import { template } from '../templates.js';
import { VERSION } from '../version.js';
import { type BuildRule, EVERY_ARCH } from '../record/index.js';

export const RULES_FILE = 'DOCKER_HUB_BUILD_RULES.md';

/** The build rules a person enters in Docker Hub, kept in the repo for the next maintainer. */
export function rulesMarkdown(opts: {
  repository: string;
  rules: readonly BuildRule[];
  arches: readonly Arch[];
  dockerfile: string;
  /** --strategy buildx: each rule builds every arch. */
  buildx?: boolean;
}): string {
  const archs = opts.arches.map((a) => a.name).join(', ');
  const lists = [{ list: 'latest', archCount: opts.arches.length, archs }];
  if (opts.rules.some((r) => r.sourceType === 'Tag'))
    lists.push({ list: '{\\1} (the version, e.g. 1.2.3 from tag v1.2.3)', archCount: opts.arches.length, archs });
  return template('DOCKER_HUB_BUILD_RULES.md.hbs')({
    repository: opts.repository,
    version: VERSION,
    dockerfile: opts.dockerfile,
    rules: opts.rules.map((r) => ({
      ...r,
      platform:
        r.arch === EVERY_ARCH ? opts.arches.map((a) => platformString(a.platform)).join(', ') : platformString(findArch(r.arch)!.platform),
    })),
    lists,
    buildx: opts.buildx ?? false,
  });
}
