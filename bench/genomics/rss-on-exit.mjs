/**
 * Preload for the timed CLI side of bench/genomics.ts (`node --import ./bench/genomics/rss-on-exit.mjs
 * <build>/src/cli/main.js ...`): writes the process's peak RSS (KiB, worker threads included)
 * to the file named by BENCH_RSS_FILE at exit. Plain JS (bench/runtime/rss-on-exit.ts needs
 * tsx, whose start-up the compiled CLI side must not pay).
 */
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
