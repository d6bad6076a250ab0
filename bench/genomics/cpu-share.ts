/**
 * How much CPU other processes took while a benchmark child ran (Linux /proc): the machine's
 * busy time minus this process's and its reaped children's, over the interval. The load
 * average cannot tell: it counts the benchmark's own threads too.
 * @module
 */
import { readFileSync } from "node:fs";
import os from "node:os";

/** CPU counters at one moment (clock ticks), or null where /proc is missing. */
export interface CpuMark {
  /** Busy ticks of all CPUs (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All ticks of all CPUs (busy + idle + iowait). */
  total: number;
  /** Ticks of this process and its waited-for children (utime, stime, cutime, cstime). */
  ours: number;
}

/** Read the counters now. */
export function cpuMark(): CpuMark | null {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const self = readFileSync("/proc/self/stat", "utf8");
    const f = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number);
    // Fields 14..17 (utime, stime, cutime, cstime) are at 11..14 after the state field (3).
    const ours = f[11] + f[12] + f[13] + f[14];
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy, total: busy + idle + iowait, ours };
  } catch {
    return null;
  }
}

/** Cores other processes used on average between `a` and `b` (0..cores), or undefined. */
export function othersCores(a: CpuMark | null, b: CpuMark | null): number | undefined {
  if (!a || !b || b.total <= a.total) return undefined;
  const others = Math.max(0, b.busy - a.busy - (b.ours - a.ours));
  return (others / (b.total - a.total)) * os.cpus().length;
}
