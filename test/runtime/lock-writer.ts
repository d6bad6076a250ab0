/**
 * Child process for file-synchronizer.test.ts.
 *
 * - `write <storeDir> <lockDir|-> <set|open> <i,j,...> <sleepMs>`: open the array at the root
 *   of `storeDir` through a store whose chunk reads sleep `sleepMs` after reading (so another
 *   process's write lands between this one's read and write), print "ready", wait for "go"
 *   on stdin (so all writers start together), then `set` each listed element to index + 1,
 *   one `set` per element, print "done" and exit. With a lock directory the
 *   `fileSynchronizer` is passed to each `set` (`set`) or once to `openArray` (`open`).
 * - `hold <lockDir> <key> <staleMs>`: take the lock, print "locked", and keep it until killed.
 */
import { createInterface } from "node:readline";
import { set } from "../../src/array/access.js";
import { openArray } from "../../src/array/node.js";
import { openFsStore, type FsStore } from "../../src/stores/fs.js";
import { fileSynchronizer } from "../../src/runtime/file-synchronizer.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const isMetadata = (key: string) => /(^|\/)(\.zarray|\.zattrs|\.zgroup|\.zmetadata|zarr\.json)$/.test(key);

/** Wait for the parent's "go" line. */
function waitForGo(): Promise<void> {
  const rl = createInterface({ input: process.stdin });
  return new Promise((resolve) => rl.on("line", (l) => { if (l.trim() === "go") { rl.close(); resolve(); } }));
}

/** The fs store with slow chunk reads: the value is read first, then held for `ms`. */
function slowChunkReads(store: FsStore, ms: number): FsStore {
  return {
    ...store,
    async get(key, range) {
      const v = await store.get(key, range);
      if (!isMetadata(key)) await sleep(ms);
      return v;
    },
  };
}

async function write(storeDir: string, lockDir: string, via: string, list: string, sleepMs: string): Promise<void> {
  const store = slowChunkReads(await openFsStore(storeDir), Number(sleepMs));
  const synchronizer = lockDir === "-" ? undefined : fileSynchronizer(lockDir);
  const arr = await openArray(store, { synchronizer: via === "open" ? synchronizer : undefined });
  const opts = { synchronizer: via === "set" ? synchronizer : undefined };
  process.stdout.write("ready\n");
  await waitForGo();
  for (const i of list.split(",").map(Number)) await set(arr, [i], i + 1, opts);
  process.stdout.write("done\n");
}

async function hold(lockDir: string, key: string, staleMs: string): Promise<void> {
  await fileSynchronizer(lockDir, { staleMs: Number(staleMs) }).lock(key);
  process.stdout.write("locked\n");
  setInterval(() => {}, 1 << 30); // stay alive (holding the lock) until killed
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "write" && args.length === 5 && (args[2] === "set" || args[2] === "open")) await write(args[0], args[1], args[2], args[3], args[4]);
else if (mode === "hold" && args.length === 3) await hold(args[0], args[1], args[2]);
else {
  process.stderr.write(`usage: lock-writer write <storeDir> <lockDir|-> <set|open> <i,j,...> <sleepMs> | hold <lockDir> <key> <staleMs>\n`);
  process.exit(2);
}
