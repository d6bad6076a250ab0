/**
 * A progress bar on stderr, drawn only when stderr is a TTY (and not `--quiet`).
 * @module
 */

/** A progress reporter: call with (done, total); `end()` clears the line. */
export interface ProgressBar {
  update(done: number, total: number): void;
  end(): void;
}

/** Make a progress bar labelled `label`; a no-op when disabled or not a TTY. */
export function progressBar(label: string, enabled: boolean): ProgressBar {
  const tty = enabled && process.stderr.isTTY;
  if (!tty) return { update() {}, end() {} };
  const start = Date.now();
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const frac = total > 0 ? done / total : 1;
      const width = 30;
      const bar = "█".repeat(Math.round(frac * width)).padEnd(width, "░");
      const secs = (now - start) / 1000;
      const eta = frac > 0 ? secs / frac - secs : 0;
      process.stderr.write(`\r${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${secs.toFixed(1)}s eta ${eta.toFixed(1)}s`);
    },
    end() {
      process.stderr.write("\r\x1b[K");
    },
  };
}
