// A test-only codec for parallel-failure.test.ts: a bytes→bytes identity whose decode kills
// its worker thread (process.exit) or exhausts its heap the first time it runs for a given
// marker directory, so the pool must replace the thread and retry the task. It lives in its
// own module so worker threads load it by URL, as they would any registered codec.
import fs from "node:fs";
import path from "node:path";
import { isMainThread } from "node:worker_threads";
import type { BytesToBytesCodec, CodecFactory } from "../../src/codecs/types.js";

/** Factory of "test.dying": configuration `{ dir, mode: "exit" | "oom" | "always" }`. */
export const dyingCodec: CodecFactory = (configuration): BytesToBytesCodec => {
  const dir = String(configuration.dir);
  const mode = String(configuration.mode);
  const die = () => {
    if (isMainThread) return;
    // One marker file per death, created atomically: the first decode to claim it dies.
    if (mode !== "always") {
      try { fs.writeFileSync(path.join(dir, "died"), "", { flag: "wx" }); } catch { return; }
    }
    if (mode === "oom") {
      const hog: number[][] = [];
      for (;;) hog.push(new Array(1 << 20).fill(1.5));
    }
    process.exit(3);
  };
  return {
    kind: "bytes-to-bytes", name: "test.dying",
    encode: async (b) => b,
    decode: async (b) => { die(); return b; },
  };
};
