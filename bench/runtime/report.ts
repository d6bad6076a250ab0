/**
 * The runtime section of bench/RESULTS.md: everything between `<!-- runtime:begin -->` and
 * `<!-- runtime:end -->` (appended at the end of the file when missing); nothing else in
 * the file is touched. Inside, each workload is one block (`<!-- block:NAME -->` ...
 * `<!-- /block:NAME -->`) carrying its targets as JSON in a comment, so a run with `--only`
 * replaces its own blocks, keeps the others, and rebuilds the targets summary from all.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { WORKLOADS } from "./args.js";

export const BEGIN = "<!-- runtime:begin -->";
export const END = "<!-- runtime:end -->";

/** One target of the brief and whether this run met it (null: not measured). */
export interface Target {
  target: string;
  measured: string;
  met: boolean | null;
  /** Size of the run that measured it (e.g. "1,000,000 variants, 5 repeats"). */
  run?: string;
  /** A comparison reported for context, not one of the brief's targets. */
  info?: boolean;
}

/** One workload's part of the report. */
export interface Block {
  name: string;
  /** Markdown lines (heading, tables, commands, notes). */
  lines: string[];
  targets: Target[];
}

/** A markdown table. */
export function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

/** "met" / "NOT met" / "not measured" ("yes"/"no (info)" for context rows). */
export function verdict(met: boolean | null, info = false): string {
  if (met === null) return "not measured";
  if (info) return met ? "yes (info)" : "no (info)";
  return met ? "met" : "**NOT met**";
}

/** A block's markdown including its delimiters and target comment. */
export function renderBlock(b: Block): string {
  const json = JSON.stringify(b.targets).replace(/>/g, "\\u003e");
  return [`<!-- block:${b.name} -->`, ...b.lines, `<!-- targets:${b.name} ${json} -->`, `<!-- /block:${b.name} -->`].join("\n");
}

/** Blocks found in an existing section, by name. */
export function parseBlocks(section: string): Map<string, { text: string; targets: Target[] }> {
  const out = new Map<string, { text: string; targets: Target[] }>();
  for (const m of section.matchAll(/<!-- block:([\w-]+) -->\n[\s\S]*?<!-- \/block:\1 -->/g)) {
    const t = new RegExp(`<!-- targets:${m[1]} (.*) -->`).exec(m[0]);
    let targets: Target[] = [];
    try {
      targets = t ? (JSON.parse(t[1]) as Target[]) : [];
    } catch {
      targets = [];
    }
    out.set(m[1], { text: m[0], targets });
  }
  return out;
}

/** The whole section for `header` lines and blocks (new ones replace same-named old ones). */
export function buildSection(oldSection: string, header: string[], blocks: Block[]): string {
  const all = parseBlocks(oldSection);
  for (const b of blocks) all.set(b.name, { text: renderBlock(b), targets: b.targets });
  const order = [...WORKLOADS as readonly string[], ...[...all.keys()].filter((k) => !(WORKLOADS as readonly string[]).includes(k))];
  const present = order.filter((k) => all.has(k));
  const summary = table(["target", "measured", "verdict", "run"], present.flatMap((k) => all.get(k)!.targets.map((t) => [t.target, t.measured, verdict(t.met, t.info), t.run ?? ""])));
  return [BEGIN, ...header, "", "### Targets", "", ...summary, "", ...present.map((k) => all.get(k)!.text + "\n"), END].join("\n");
}

/** Rewrite only the runtime section of `file` (appending the markers when absent). */
export function writeSection(file: string, header: string[], blocks: Block[]): void {
  const text = readFileSync(file, "utf8");
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b >= 0 && e > b) {
    const section = buildSection(text.slice(b, e), header, blocks);
    writeFileSync(file, text.slice(0, b) + section + text.slice(e + END.length));
  } else {
    const sep = text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
    writeFileSync(file, text + sep + buildSection("", header, blocks) + "\n");
  }
}
