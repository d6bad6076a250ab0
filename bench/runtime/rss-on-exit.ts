/**
 * Preload (`node --import tsx --import ./bench/runtime/rss-on-exit.ts ...`) that writes the
 * process's peak RSS (KiB, worker threads included) to the file named by BENCH_RSS_FILE
 * when the process exits, so an unmodified program such as the zarrflow CLI can be
 * measured without /usr/bin/time.
 * @module
 */
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
