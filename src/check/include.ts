/**
 * verify for `--include` (recorded in the generator's record): each image built elsewhere that
 * every list names (a Windows image) must be in the registry, in the list by the digest it has
 * now, with the platform its own config states (os.version included), and, unless the user said
 * `--include-revision any`, built from the same revision as the other images.
 */
import fs from 'node:fs';
import path from 'node:path';
import { platformKey, platformString } from '../arch.js';
import { type EntryFacts, type InspectOptions, inspectTag, type TagFacts } from '../registry/inspect.js';
import { REVISION_LABEL } from '../registry/manifest.js';
import { type ImageRef, resolveImageRef } from '../registry/reference.js';
import { RECORD_FILE } from '../record/index.js';

export interface Includes {
  images: { image: string; facts: TagFacts }[];
  revision: 'same' | 'any';
}

/** The record's --include images of the repository `ref` names, read from the registry; undefined when none. */
export async function readIncludes(dir: string, ref: ImageRef, opts: InspectOptions): Promise<Includes | undefined> {
  // Only these two fields of the generator's record are read here.
  let rec: { include?: unknown; includeRevision?: unknown };
  try {
    rec = JSON.parse(fs.readFileSync(path.join(dir, RECORD_FILE), 'utf8')) as typeof rec;
  } catch {
    return undefined; // no record (or not ours): nothing was included
  }
  const images = (Array.isArray(rec.include) ? rec.include : [])
    .filter((i): i is string => typeof i === 'string')
    .filter((i) => {
      const r = resolveImageRef(i);
      return r.registry === ref.registry && r.repository === ref.repository;
    });
  if (images.length === 0) return undefined;
  return {
    images: await Promise.all(images.map(async (image) => ({ image, facts: await inspectTag(resolveImageRef(image), opts) }))),
    revision: rec.includeRevision === 'any' ? 'any' : 'same',
  };
}

/**
 * What marks a list entry as an included image's: the digests the included tags hold now, and
 * their platforms (an entry of an older build of one is reported by includeFindings, not as unexpected).
 */
export function includedMarks(inc: Includes | undefined): { digests: Set<string>; platforms: Set<string> } {
  const entries = (inc?.images ?? []).flatMap((i) => i.facts.entries);
  const platforms = entries.flatMap((e) => {
    const c = e.config;
    return c?.os && c.architecture ? [platformKey({ os: c.os, architecture: c.architecture, variant: c.variant })] : [];
  });
  return { digests: new Set(entries.map((e) => e.digest)), platforms: new Set(platforms) };
}

type Add = (
  code: 'include-missing' | 'include-not-listed' | 'include-platform' | 'include-revision',
  message: string,
  digest?: string,
) => void;

const platformOf = (p: { os?: string; architecture?: string; variant?: string } | undefined, osVersion: string | undefined) =>
  p?.os && p.architecture
    ? `${platformString({ os: p.os, architecture: p.architecture, variant: p.variant })}${osVersion ? ` (os.version ${osVersion})` : ''}`
    : 'no platform';

/** Findings (all errors) about the included images, given the list's entries. `revision`: the other images' revision. */
export function includeFindings(inc: Includes, list: readonly EntryFacts[], revision: string | undefined, add: Add): void {
  for (const { image, facts } of inc.images) {
    if (!facts.found) {
      add('include-missing', `${image} (--include) is not in the registry; push it, then publish the list again.`);
      continue;
    }
    for (const img of facts.entries) {
      const listed = list.find((e) => e.digest === img.digest);
      if (!listed) {
        add(
          'include-not-listed',
          `${image} (--include) is ${img.digest.slice(7, 19)} now, which the list does not name; publish the list again (the image was rebuilt, or the list was published without it).`,
          img.digest,
        );
        continue;
      }
      const said = platformOf(listed.platform, listed.osVersion);
      const is = platformOf(img.config ?? img.platform, img.config?.osVersion ?? img.osVersion);
      if (said !== is) {
        add(
          'include-platform',
          `${image} (--include): the list says ${said} but the image says ${is}; publish the list again.`,
          img.digest,
        );
      }
      if (inc.revision === 'any' || !revision) continue;
      const rev = img.config?.revision;
      if (rev !== revision) {
        add(
          'include-revision',
          `${image} (--include) was built from ${rev ? `revision ${rev.slice(0, 12)}` : `no ${REVISION_LABEL} label`}, the other images from ${revision.slice(0, 12)}; rebuild it from the same commit, or re-run the generator with --include-revision any if it may differ.`,
          img.digest,
        );
      }
    }
  }
}
