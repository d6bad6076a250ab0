/**
 * A {@link Synchronizer} across processes: the lock for a key is a lock file in a directory
 * that every cooperating process names, taken with `proper-lockfile` (an atomic `mkdir` of
 * `<name>.lock`, whose mtime the holder refreshes; a lock not refreshed for `staleMs` is
 * taken over, so a holder killed with SIGKILL blocks others for at most `staleMs`).
 *
 * What it covers:
 * - zarrflow processes (and threads) on one machine, or on several machines sharing a file
 *   system on which `mkdir` is atomic (local disks, NFS): each passes a `fileSynchronizer`
 *   on the same directory and the same `staleMs` to its partial writes.
 *
 * What it does NOT cover:
 * - Other Zarr implementations. Node has no `fcntl`/`flock`, so these are not the OS locks
 *   zarr-python's `ProcessSynchronizer` takes (fasteners/fcntl on its own lock files); a
 *   zarr-python writer and a zarrflow writer do not see each other's locks.
 * - Object stores (S3, HTTP): the lock lives in a local/shared directory, not beside the data.
 * - Writers that do not pass the synchronizer, and writers using another directory or
 *   another `staleMs` (proper-lockfile: mismatched staleness can grant the lock twice).
 * - A holder whose event loop stalls longer than `staleMs` loses its lock; its `release`
 *   then rejects with a StoreError saying the lock was lost.
 *
 * The rule that needs no lock at all: align writes to chunks. A write covering whole chunks
 * never reads them, so concurrent writers of different whole chunks cannot lose updates.
 * Locks only matter for partial-chunk read-modify-write (the whole shard for sharded arrays).
 *
 * Within one process, lockers of the same lock file queue first on an in-process mutex:
 * proper-lockfile refuses (ELOCKED) a second lock on a file this process already holds
 * instead of waiting, and queueing in memory avoids polling our own lock.
 * @module
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { StoreError, ZarrError } from "../format/errors.js";
import { keyedMutex, type Release, type Synchronizer } from "./synchronizer.js";

/** Options of {@link fileSynchronizer}. */
export interface FileSynchronizerOptions {
  /**
   * A lock whose file was not refreshed for this long is taken over (default 10000 ms, at
   * least 2000: proper-lockfile refreshes every staleMs/2 but not more often than once a second).
   * Every process sharing the directory must use the same value.
   */
  staleMs?: number;
  /** First wait before retrying a lock held by another process (default 5 ms); doubles up to `maxPollMs`. */
  pollMs?: number;
  /** Longest wait between retries (default 100 ms). */
  maxPollMs?: number;
  /**
   * Give up waiting (for holders in this process or others) after this long with a StoreError
   * (default: wait as long as the holder lives; a dead holder's lock goes stale).
   */
  timeoutMs?: number;
}

/** Longest readable part of a lock file name; the hash makes the name unique. */
const PREFIX_CHARS = 48;

/**
 * The lock file name for `key`: a readable prefix (characters outside `[A-Za-z0-9_-]` become
 * `_`, cut to 48) plus the first 128 bits of SHA-256 of the key's UTF-16 code units, in hex.
 *
 * Why a hash rather than percent-encoding: keys have no length bound but file names do
 * (255 bytes); case-insensitive file systems would merge "A" and "a"; and names such as
 * "..", ".x" or "CON" mean something to some file systems. The hash, lowercase hex over
 * the exact code units (lone surrogates included), is distinct for distinct keys on every
 * one of them; the prefix has no `.` or separator and only tells people which key it is.
 */
export function lockFileName(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, PREFIX_CHARS);
  const hash = createHash("sha256").update(Buffer.from(key, "utf16le")).digest("hex").slice(0, 32);
  return `${readable}-${hash}`;
}

/** Absolute path of the lock directory proper-lockfile creates for `key` in `dir`. */
export function lockPathOf(dir: string, key: string): string {
  return path.join(path.resolve(dir), `${lockFileName(key)}.lock`);
}

/** One in-process queue per lock path, shared by every fileSynchronizer of this process. */
const local = keyedMutex();

const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Longest delay setTimeout honours (larger ones fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Resolved {
  staleMs: number;
  pollMs: number;
  maxPollMs: number;
  timeoutMs: number;
}

function resolveOptions(o: FileSynchronizerOptions): Resolved {
  const r = { staleMs: o.staleMs ?? 10_000, pollMs: o.pollMs ?? 5, maxPollMs: o.maxPollMs ?? 100, timeoutMs: o.timeoutMs ?? Infinity };
  // proper-lockfile silently raises staleMs below 2000; refuse instead so the value in force is the one given.
  if (!Number.isFinite(r.staleMs) || r.staleMs < 2000) throw new ZarrError(`fileSynchronizer: staleMs must be a number >= 2000, got ${o.staleMs}`);
  if (!Number.isFinite(r.pollMs) || r.pollMs <= 0) throw new ZarrError(`fileSynchronizer: pollMs must be a positive number, got ${o.pollMs}`);
  if (!Number.isFinite(r.maxPollMs) || r.maxPollMs < r.pollMs || r.maxPollMs > MAX_TIMER_MS) throw new ZarrError(`fileSynchronizer: maxPollMs must be a number from pollMs to ${MAX_TIMER_MS}, got ${o.maxPollMs}`);
  if (Number.isNaN(r.timeoutMs) || r.timeoutMs < 0) throw new ZarrError(`fileSynchronizer: timeoutMs must be >= 0, got ${o.timeoutMs}`);
  return r;
}

/** A held file lock: its proper-lockfile release, and the error if the lock was lost meanwhile. */
interface Held {
  release: () => Promise<void>;
  lost: () => Error | undefined;
}

/** Take the file lock at `lockPath`, retrying with backoff while another process holds it. */
async function acquire(lockPath: string, key: string, o: Resolved, deadline: number): Promise<Held> {
  const file = lockPath.slice(0, -".lock".length);
  let lost: Error | undefined;
  const options = {
    realpath: false, // the locked "file" itself never exists; only its .lock directory does
    lockfilePath: lockPath,
    stale: o.staleMs,
    retries: 0,
    // The default throws from a timer and kills the process; report it at release instead.
    onCompromised: (e: Error) => { lost = e; },
  };
  let wait = o.pollMs;
  for (;;) {
    try {
      const release = await lockfile.lock(file, options);
      return { release, lost: () => lost };
    } catch (e) {
      if (codeOf(e) !== "ELOCKED") throw new StoreError(`cannot take lock ${lockPath}: ${messageOf(e)}`, key, { cause: e });
    }
    if (Date.now() >= deadline) throw timedOut(lockPath, key, o, "another process");
    // Jitter so waiting processes do not retry in lockstep.
    await sleep(Math.min(wait * (0.5 + Math.random()), Math.max(0, deadline - Date.now())));
    wait = Math.min(wait * 2, o.maxPollMs);
  }
}

function timedOut(lockPath: string, key: string, o: Resolved, holder: string): StoreError {
  return new StoreError(`gave up after ${o.timeoutMs} ms waiting for lock ${lockPath} (held by ${holder})`, key);
}

/**
 * Queue for `lockPath` in this process, giving up at `deadline`. A waiter that gave up still
 * gets its turn later (the queue cannot drop it), so that turn is passed on at once.
 */
async function lockLocal(lockPath: string, key: string, o: Resolved, deadline: number): Promise<Release> {
  const turn = local.lock(lockPath);
  if (deadline - Date.now() > MAX_TIMER_MS) return turn; // 24 days or more: no timer (it would overflow)
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()))));
  const got = await Promise.race([turn, expired]);
  clearTimeout(timer);
  if (got) return got;
  void turn.then((release) => release());
  throw timedOut(lockPath, key, o, "this process");
}

async function freeFileLock(held: Held, lockPath: string, key: string): Promise<void> {
  const lost = held.lost();
  if (lost) throw new StoreError(`lock ${lockPath} was lost while held (${messageOf(lost)}): another writer may have changed the chunk meanwhile`, key, { cause: lost });
  try {
    await held.release();
  } catch (e) {
    throw new StoreError(`cannot release lock ${lockPath}: ${messageOf(e)}`, key, { cause: e });
  }
}

/**
 * A Synchronizer whose lock for `key` is a proper-lockfile lock in directory `dir` (created
 * when missing), named by {@link lockFileName}. Waits (polling) while another process holds
 * the key; takes over locks left by dead processes after `staleMs`. The returned release is
 * idempotent: later calls return the first call's promise.
 * @example
 * const sync = fileSynchronizer("/shared/locks");
 * await set(arr, [slice(0, 5)], 1, { synchronizer: sync });
 */
export function fileSynchronizer(dir: string, opts: FileSynchronizerOptions = {}): Synchronizer {
  if (typeof dir !== "string" || dir === "") throw new ZarrError("fileSynchronizer: dir must be a non-empty path");
  const o = resolveOptions(opts);
  const root = path.resolve(dir);
  return {
    async lock(key) {
      if (typeof key !== "string") throw new StoreError(`lock key must be a string, got ${typeof key}`);
      const lockPath = lockPathOf(root, key);
      const deadline = Date.now() + o.timeoutMs;
      const releaseLocal = await lockLocal(lockPath, key, o, deadline);
      let held: Held;
      try {
        // Every time, not once: the directory may have been removed since (a cleaned-up temp dir).
        await fsp.mkdir(root, { recursive: true }).catch((e: unknown) => {
          throw new StoreError(`cannot create lock directory ${root}: ${messageOf(e)}`, key, { cause: e });
        });
        held = await acquire(lockPath, key, o, deadline);
      } catch (e) {
        await releaseLocal();
        throw e;
      }
      let done: Promise<void> | undefined;
      const release: Release = () => {
        done ??= freeFileLock(held, lockPath, key).finally(releaseLocal);
        return done;
      };
      return release;
    },
  };
}
