/** Deterministic PRNG for tests: the same mulberry32 the demo data uses. */
export { mulberry32 as prng } from "../src/genomics/prng.js";
