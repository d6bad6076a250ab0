/** Deterministic PRNG for tests: the same mulberry32 the demo data uses. */
export { mulberry32 as prng } from "../src/genomics/prng.js";

/** Deterministic pseudo-random bytes (xorshift32), so every dtype gets varied bit patterns. */
export function noise(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}
