/** Paths for tests that run both from sources (tsx) and compiled (dist/test). */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const compiled = /[/\\]dist[/\\]test[/\\]?$/.test(here);

/** The repository root. */
export const REPO = compiled ? join(here, "..", "..") : join(here, "..");

/** ../shared/fixtures beside the repository (read-only test data). */
export const SHARED_FIXTURES = join(REPO, "..", "shared", "fixtures");

/** Absolute path of a source module (`src/stores/fs`) as it exists in this run (.ts or dist .js). */
export function srcModule(rel: string): string {
  return compiled ? join(REPO, "dist", `${rel}.js`) : join(REPO, `${rel}.ts`);
}
