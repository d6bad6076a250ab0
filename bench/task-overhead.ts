/**
 * Per-task overhead of the worker pool, end to end: no-op kernel tasks submitted through
 * `runTasks` (executor.ts) to `pool.kernel`, so the figure includes the executor, the pool's
 * retry wrapper, piscina's dispatch, structured clone both ways and the kernel lookup in
 * the worker — everything a real chunk task pays besides its own work.
 *
 *   node --import tsx bench/task-overhead.ts [--tasks 20000] [--threads 2] [--repeats 5]
 *
 * Prints µs per task (wall time / tasks), the median of the repeats, after one warm-up run
 * that starts the threads and loads the kernel. Not run in CI.
 * @module
 */
import { runTasks } from "../src/runtime/executor.js";
import { kernelRef } from "../src/runtime/kernel-task.js";
import { createPool } from "../src/runtime/pool.js";

/** A kernel that does nothing; a data: module so the bench needs no file of its own. */
const NOOP = kernelRef(`data:text/javascript,${encodeURIComponent("export const noop = (x) => x;")}`, "noop");

/** `--name value` from the command line, as a positive integer. */
function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer`);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const tasks = intArg("tasks", 20_000);
  const threads = intArg("threads", 2);
  const repeats = intArg("repeats", 5);
  const pool = createPool({ threads });
  const indices = (n: number) => Array.from({ length: n }, (_, i) => i);
  const once = async (n: number): Promise<number> => {
    const t = process.hrtime.bigint();
    await runTasks(indices(n), (i) => pool.kernel<number>(NOOP, i), { maxInFlight: 4 * threads });
    return Number(process.hrtime.bigint() - t) / 1e3 / n;
  };
  await once(Math.min(tasks, 2000)); // warm-up: threads started, kernel module loaded
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await once(tasks));
  await pool.destroy();
  console.log(`${tasks} no-op tasks, ${threads} threads, maxInFlight ${4 * threads}: ` +
    `${median(runs).toFixed(1)} µs per task (median of ${repeats}: ${runs.map((x) => x.toFixed(1)).join(", ")})`);
}

await main();
