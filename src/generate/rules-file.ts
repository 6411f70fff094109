import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { type Arch, findArch, platformString } from '../arch.js';
import { templatePath } from '../package-root.js';
import { VERSION } from '../version.js';
import { type BuildRule, EVERY_ARCH } from './build-rules.js';

export const RULES_FILE = 'DOCKER_HUB_BUILD_RULES.md';

let template: HandlebarsTemplateDelegate | undefined;

/** The build rules a person enters in Docker Hub, kept in the repo for the next maintainer. */
export function rulesMarkdown(opts: {
  repository: string;
  rules: readonly BuildRule[];
  arches: readonly Arch[];
  dockerfile: string;
  /** --strategy buildx: each rule builds every arch. */
  buildx?: boolean;
}): string {
  template ??= Handlebars.compile(readFileSync(templatePath('DOCKER_HUB_BUILD_RULES.md.hbs'), 'utf8'), { noEscape: true, strict: true });
  const archs = opts.arches.map((a) => a.name).join(', ');
  const lists = [{ list: 'latest', archCount: opts.arches.length, archs }];
  if (opts.rules.some((r) => r.sourceType === 'Tag'))
    lists.push({ list: '{\\1} (the version, e.g. 1.2.3 from tag v1.2.3)', archCount: opts.arches.length, archs });
  return template({
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
