/**
 * Turning interleaved outcomes into the report's comparison tables and ratios.
 * @module
 */
import { commandLine, summarize, type Outcome, type Summary } from "./sides.js";
import { mbps, mib, sig } from "./stats.js";
import { table, type Target } from "./report.js";

/** Medians of each side by label (sides without samples are absent). */
export function summaries(outcomes: Outcome[]): Map<string, Summary> {
  const m = new Map<string, Summary>();
  for (const o of outcomes) {
    const s = summarize(o);
    if (s) m.set(o.side.label, s);
  }
  return m;
}

/** How many times faster `a` is than `b` (b's seconds / a's seconds); undefined if either is missing. */
export function speedup(s: Map<string, Summary>, a: string, b: string): number | undefined {
  const x = s.get(a);
  const y = s.get(b);
  return x && y ? y.seconds / x.seconds : undefined;
}

/** Options of {@link comparisonTable}. */
export interface CompareOptions {
  /** Decoded bytes every side handles (MB/s are of these, whatever a side reports). */
  bytes: number;
  /** Label of the zarrflow side the ratios refer to. */
  ref: string;
  /** Chunks per run: adds a chunks/s column. */
  chunks?: number;
}

/**
 * The table: side, MB/s, zarrflow speed-up over the side, median seconds (min–max), peak
 * RSS, notes (API used, stored size, a checksum differing from the reference side's, errors).
 */
export function comparisonTable(outcomes: Outcome[], o: CompareOptions): string[] {
  const s = summaries(outcomes);
  const ref = s.get(o.ref);
  const header = ["side", "MB/s", ...(o.chunks ? ["chunks/s"] : []), "zarrflow is ×", "median s (min–max)", "peak RSS", "notes"];
  const rows = outcomes.map((out) => {
    const x = s.get(out.side.label);
    const label = out.side.info ? `${out.side.label} (info)` : out.side.label;
    if (!x) return [label, "–", ...(o.chunks ? ["–"] : []), "–", "–", "–", `failed: ${out.error ?? "no samples"}`];
    const notes: string[] = [];
    if (x.api) notes.push(`\`${x.api}\``);
    if (ref && ref.checksum !== null && x.checksum !== null && x.checksum !== ref.checksum) notes.push(`**checksum ${x.checksum} ≠ ${ref.checksum}**`);
    const stored = out.samples[0]?.storedBytes;
    if (stored) notes.push(`ratio ${sig(o.bytes / stored)}×`);
    if (out.error) notes.push(`later repeat failed: ${out.error}`);
    return [
      label, sig(mbps(o.bytes, x.seconds)), ...(o.chunks ? [sig(o.chunks / x.seconds)] : []),
      ref ? sig(x.seconds / ref.seconds) : "–",
      `${x.seconds.toFixed(3)} (${x.min.toFixed(3)}–${x.max.toFixed(3)})`, mib(x.maxRssKiB), notes.join("; "),
    ];
  });
  return table(header, rows);
}

/** The exact command of every side, as a markdown list. */
export function commandList(outcomes: Outcome[], cwd: string): string[] {
  return outcomes.map((o) => `- ${o.side.label}: \`${commandLine(o.side, cwd)}\``);
}

/** A "≥ goal×" target line from a ratio (undefined ratio: not measured); `info` marks context rows. */
export function ratioTarget(target: string, ratio: number | undefined, goal: number, info = false): Target {
  return { target, measured: ratio === undefined ? "n/a" : `${sig(ratio)}×`, met: ratio === undefined ? null : ratio >= goal, info };
}
