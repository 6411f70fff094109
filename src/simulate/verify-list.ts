/**
 * The end of a run: verify's report on each published list, plus the one thing only simulate
 * knows: every image in it must come from the commit just built (`SOURCE_COMMIT`), not from an
 * earlier build that the list still points at.
 */
import { UserError } from '../errors.js';
import { printable } from '../registry/printable.js';
import { renderTable, verifyImage, type VerifyReport } from '../check/index.js';

export interface ListCheck {
  image: string;
  ok: boolean;
  report?: VerifyReport;
}

export async function verifyList(o: {
  image: string;
  dir: string;
  insecure: boolean;
  arches: string[];
  commit: string;
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
}): Promise<ListCheck> {
  let report: VerifyReport;
  try {
    report = await verifyImage({ image: o.image, dir: o.dir, insecure: o.insecure, arches: o.arches, env: o.env });
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    o.err(`verify ${o.image}: ${e.message}`);
    return { image: o.image, ok: false };
  }
  // Colour as verify does: a terminal only, NO_COLOR / FORCE_COLOR override.
  const color = o.env.FORCE_COLOR ? o.env.FORCE_COLOR !== '0' : !o.env.NO_COLOR && !!process.stdout.isTTY;
  o.out(renderTable(report, color));
  let ok = report.summary.ok;
  const stale = report.entries.filter((e) => e.config?.revision && e.config.revision !== o.commit);
  if (report.found && stale.length > 0) {
    ok = false;
    o.out(
      `error: ${stale.map((e) => printable(`${e.arch ?? e.platform} (${e.config!.revision!.slice(0, 12)})`)).join(', ')} ` +
        `in the list ${stale.length === 1 ? 'was' : 'were'} built from another commit than ` +
        `${o.commit.slice(0, 12)}: the list points at images of an earlier build.`,
    );
  }
  return { image: o.image, ok, report };
}
