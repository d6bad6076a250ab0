/**
 * The CLI's progress bar: the diagnostics bar (src/diagnostics/progress.ts) on stderr,
 * drawn only when stderr is a TTY (and not `--quiet`).
 * @module
 */
import { progressBar as diagnosticsBar } from "../diagnostics/progress.js";

/** A progress reporter: call with (done, total); `end()` clears the line. */
export interface ProgressBar {
  update(done: number, total: number): void;
  end(): void;
}

/** Make a progress bar labelled `label`; a no-op when disabled or not a TTY. */
export function progressBar(label: string, enabled: boolean): ProgressBar {
  const bar = diagnosticsBar({ label, enabled });
  return { update: (done, total) => bar.update(done, total), end: () => bar.end() };
}
