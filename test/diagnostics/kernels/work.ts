/**
 * Test kernels for the diagnostics tests: loaded by pool threads by module URL, as any
 * user kernel would be.
 * @module
 */

/** Keep the thread busy for about `ms` milliseconds (a stand-in for decoding or arithmetic); returns a checksum. */
export function spin(args: { ms: number }): number {
  const end = performance.now() + args.ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(i + x);
  return x;
}

/** Throws: a task that fails. */
export function fail(args: { message: string }): never {
  throw new RangeError(args.message);
}
