// Preloaded into CLI runs by the tests: report the peak RSS (KiB) on exit.
import { resourceUsage } from "node:process";
process.on("exit", () => { process.stderr.write(`\nMAXRSS_KIB=${resourceUsage().maxRSS}\n`); });
