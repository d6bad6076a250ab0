/**
 * Workload 6: the native-decode limit, no Zarr layer, on the zlib layout's chunk files:
 * (a) c-blosc through numcodecs on N Python threads (bench/peers/blosc_decode.py) and
 * (b) node:zlib `inflateSync` of every blosc block on N worker threads with a bench-only
 * Blosc parser (bench/peers/blosc-inflate.mjs), beside zarrflow's full read of the same
 * array. Informational rows: both limits on one thread, and (b′) = (b) plus copying each
 * decoded chunk into one whole-array SharedArrayBuffer (the rest of a full read).
 * @module
 */
import path from "node:path";
import { commandList, comparisonTable, summaries } from "./compare.js";
import { missingNote, mjsPeer, pyPeer, zarrflowRead, type BenchContext } from "./context.js";
import { COMPONENT, type DataSet } from "./data.js";
import { warmPageCache } from "./files.js";
import type { Block, Target } from "./report.js";
import { interleave, type Side } from "./sides.js";
import { gb, sig } from "./stats.js";

/** Share of the limit zarrflow must reach. */
const GOAL = 0.85;

/** Run workload 6 on data set `d`. */
export function nativeWorkload(ctx: BenchContext, d: DataSet): Block {
  const n = ctx.args.workers;
  const dir = path.join(d.zlib, COMPONENT);
  const ref = `zarrflow get, ${n} workers`;
  const limitA = `(a) c-blosc via numcodecs, ${n} threads`;
  const limitB = `(b) node:zlib inflate, ${n} worker threads`;
  const assembled = `(b′) node:zlib inflate + place into the whole array, ${n} worker threads`;
  const sides: Side[] = [zarrflowRead(ctx, d.zlib, COMPONENT, n, ref)];
  if (ctx.py.numcodecs) sides.push({ label: limitA, cmd: pyPeer(ctx, "blosc_decode.py", dir, String(n)) });
  sides.push({ label: limitB, cmd: mjsPeer(ctx, "blosc-inflate.mjs", dir, String(n)) });
  if (ctx.py.numcodecs) sides.push({ label: "(a) c-blosc via numcodecs, 1 thread", cmd: pyPeer(ctx, "blosc_decode.py", dir, "1"), info: true });
  sides.push({ label: "(b) node:zlib inflate, 1 worker thread", cmd: mjsPeer(ctx, "blosc-inflate.mjs", dir, "1"), info: true });
  sides.push({ label: assembled, cmd: mjsPeer(ctx, "blosc-inflate.mjs", dir, String(n), "--assemble"), info: true });
  sides.push({ label: "(b′) node:zlib inflate + place into the whole array, 1 worker thread", cmd: mjsPeer(ctx, "blosc-inflate.mjs", dir, "1", "--assemble"), info: true });
  ctx.log(`native: ${sides.length} sides × ${ctx.args.repeats}`);
  warmPageCache(d.zlib);
  const outcomes = interleave(sides, ctx.args.repeats, ctx.repo, ctx.tmp, ctx.log);
  const s = summaries(outcomes);
  const zf = s.get(ref);
  const targets: Target[] = [];
  const pct: string[] = [];
  for (const [label, name] of [[limitB, "(b) node:zlib"], [limitA, "(a) c-blosc"], [assembled, "(b′) node:zlib + placing (info)"]] as const) {
    const lim = s.get(label);
    const share = zf && lim ? lim.seconds / zf.seconds : undefined;
    pct.push(`${name}: ${share === undefined ? "n/a" : `${sig(100 * share)} %`}`);
    if (label !== assembled) targets.push({ target: `native limit: zarrflow full read ≥ ${GOAL * 100} % of ${name} on ${n} threads`, measured: share === undefined ? "n/a" : `${sig(100 * share)} %`, met: share === undefined ? null : share >= GOAL });
  }
  return {
    name: "native",
    lines: [
      `### 6. Native-decode limit: the zlib layout's chunk files (${d.variants.toLocaleString("en")} variants, ${gb(d.bytes)} decoded), N = ${n}`,
      "",
      ...comparisonTable(outcomes, { bytes: d.bytes, ref }),
      "",
      `zarrflow's full read as a share of the limit (limit seconds ÷ zarrflow seconds): ${pct.join("; ")}.`,
      "",
      "The limits decode every chunk file already in memory (reading the files is not timed) into one reusable buffer per thread, taking chunks from a shared queue; MB/s are of the array's decoded bytes for every row (edge chunks also decode their padding). (b) parses Blosc frames itself (bench/peers/blosc-inflate.mjs, independent of src/codecs) and calls `zlib.inflateSync` per block, allocating each output as zarrflow does. (b′) also copies every decoded chunk into its place in one SharedArrayBuffer holding the whole array (what a full read must do beyond decoding, first-touch page faults of the result included); its checksum is compared with zarrflow's.",
      ...[missingNote(ctx, "numcodecs")].filter(Boolean).map((x) => `\n${x}`),
      "",
      "Commands:",
      "",
      ...commandList(outcomes, ctx.repo),
    ],
    targets,
  };
}
