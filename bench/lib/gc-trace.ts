/** Reading V8's `--trace-gc-nvp` output (one `name=value` line per collection, on stdout). */

/** A run promoting more than this per request has fallen into the promoting mode (steady runs promote ~0.1–1 KB). */
export const PROMOTING_BYTES_PER_REQ = 3_000;

export interface GcTotals {
  scavenges: number;
  markCompacts: number;
  promoted: number;
  allocated: number;
  pauseMs: number;
}

/** Sums `--trace-gc-nvp` lines: `gc=s` scavenges, `gc=ms`/`gc=mc` mark-(sweep-)compacts. */
export function parseGcTrace(text: string): GcTotals {
  const totals: GcTotals = { scavenges: 0, markCompacts: 0, promoted: 0, allocated: 0, pauseMs: 0 };
  for (const line of text.split('\n')) {
    const gc = / gc=(\w+) /.exec(line);
    if (gc === null) continue;
    if (gc[1] === 's') totals.scavenges++;
    else totals.markCompacts++;
    totals.pauseMs += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);
    totals.promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
    totals.allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return totals;
}

