/**
 * Test kernels for pool-failure.test.ts and kernel.test.ts: well-behaved ones, and ones that
 * kill their worker thread in each way a thread can die (process.exit, an uncaught exception
 * in a timer, running out of memory under resourceLimits). They live in their own module so
 * pool threads load them by URL, as they would any user kernel.
 *
 * The "first attempt only" kernels count their attempts in `attempts[0]` (an Int32Array over
 * a SharedArrayBuffer the test passes in), so the test sees exactly how often a task ran.
 * @module
 */
import { threadId } from "node:worker_threads";

/** Attempt counter shared with the test. */
export interface Attempts {
  attempts: Int32Array;
}

/** Count this attempt; true on the first one. */
function firstAttempt(a: Attempts): boolean {
  return Atomics.add(a.attempts, 0, 1) === 0;
}

/** Echo the arguments back, with the id of the thread that ran them. */
export function echo(args: { value: unknown }): { value: unknown; threadId: number } {
  return { value: args.value, threadId };
}

/** Write `i * scale` into the caller's shared buffer, and return a fresh shared array filled in the worker. */
export function fillShared(args: { out: Float64Array; scale: number; length: number }): Float64Array {
  for (let i = 0; i < args.out.length; i++) args.out[i] = i * args.scale;
  const made = new Float64Array(new SharedArrayBuffer(args.length * 8));
  for (let i = 0; i < made.length; i++) made[i] = -i;
  return made;
}

/** Always throws (an ordinary task failure, not a thread failure). */
export function fail(args: { message: string }): never {
  throw new RangeError(args.message);
}

/** Exits the thread on the first attempt; returns `value` on later ones. */
export function exitOnFirst(args: Attempts & { value: number }): number {
  if (firstAttempt(args)) process.exit(3);
  return args.value;
}

/** Exits the thread on every attempt. */
export function alwaysExit(args: Attempts): never {
  Atomics.add(args.attempts, 0, 1);
  process.exit(4);
}

/** First attempt: throws from a timer while the task is still running (uncaught in the worker). */
export function throwInTimerOnFirst(args: Attempts & { value: string }): Promise<string> | string {
  if (!firstAttempt(args)) return args.value;
  return new Promise<string>(() => {
    setTimeout(() => {
      throw new Error("boom in a timer");
    }, 1);
  });
}

/** Allocate until the thread's heap limit is hit. */
function exhaustHeap(): never {
  const hog: number[][] = [];
  for (;;) hog.push(new Array<number>(1 << 20).fill(1.5));
}

/** First attempt: runs out of memory (needs a pool with resourceLimits); later ones return `value`. */
export function oomOnFirst(args: Attempts & { value: number }): number {
  if (firstAttempt(args)) exhaustHeap();
  return args.value;
}

/** Runs out of memory on every attempt. */
export function alwaysOom(args: Attempts): never {
  Atomics.add(args.attempts, 0, 1);
  exhaustHeap();
}

/** Returns a value structured clone cannot copy (the thread dies posting it back). */
export function uncloneable(): () => void {
  return () => {};
}

/** Returns at once, then throws from a timer after the task has finished. */
export function throwAfterReturn(args: { value: number }): number {
  setTimeout(() => {
    throw new Error("boom after the task returned");
  }, 5);
  return args.value;
}

/** Counts its calls and returns the count so far. */
export function countCalls(args: Attempts): number {
  return Atomics.add(args.attempts, 0, 1) + 1;
}

/** Resolves with `value` after `ms` milliseconds. */
export function sleep(args: { ms: number; value: number }): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(args.value), args.ms));
}
