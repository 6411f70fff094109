import { posix, relative } from 'node:path';
import { platformString, sortArches } from '../arch.js';
import { formatRulesTable } from './build-rules.js';
import type { Plan } from './plan.js';

const LABEL: Record<string, string> = { create: 'create', update: 'update', unchanged: 'same', conflict: 'CONFLICT', delete: 'delete' };

/** The plan as a person reads it: what happens to each file, then the build rules. */
export function formatPlan(plan: Plan): string {
  const where = relative(plan.repo.cwd, plan.repo.dir);
  const prefix = where ? where + '/' : '';
  const arches = sortArches(plan.choices.arches)
    .map((a) => {
      // An arch kept under a hand-made setup's tag name says so: its tags are `armhf`, not `arm32v7`.
      const tag = plan.choices.archTagNames?.[a.name];
      return `${a.name} (${platformString(a.platform)}${tag ? `, tagged ${tag}` : ''})`;
    })
    .join(', ');
  const lines = [
    plan.choices.strategy === 'buildx'
      ? `${plan.choices.repository}: ${arches}; one docker buildx build per rule pushes the list (--strategy buildx)`
      : `${plan.choices.repository}: ${arches}; QEMU ${plan.choices.qemu}, published with ${plan.choices.publisher}`,
    '',
    ...plan.files.flatMap((f) => [
      `  ${LABEL[f.action]!.padEnd(8)} ${posix.normalize(prefix + f.path)}${f.reason ? `  (${f.reason})` : ''}`,
      ...(f.notes ?? []).map((n) => `           - ${n}`),
    ]),
  ];
  return lines.join('\n');
}

export function formatRules(plan: Plan): string {
  return ['Docker Hub build rules (Builds > Configure Automated Builds):', '', formatRulesTable(plan.rules)].join('\n');
}
