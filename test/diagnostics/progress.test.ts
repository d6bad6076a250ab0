/**
 * The progress bar: what it draws on a (fake) TTY — done/total, percent, rate, elapsed,
 * ETA — how often, that it clears its line, and that it writes nothing off a TTY.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { barCells, formatDuration, formatRate, progressBar, renderLine } from "../../src/diagnostics/progress.js";
import { progressBar as cliProgressBar } from "../../src/cli/progress.js";

/** A stream that says it is a terminal and keeps what is written. */
function fakeTty(columns = 120, isTTY = true) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => { writes.push(s); return true; } };
}

/** A clock the test moves by hand (ms). */
function fakeClock() {
  let t = 5000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

const event = (i: number) => ({ key: `add-1a2b (${i})`, start: 0, end: 1, worker: 1 as const });

test("formats durations and rates compactly", () => {
  assert.equal(formatDuration(0), "0.0s");
  assert.equal(formatDuration(9.94), "9.9s");
  assert.equal(formatDuration(42.7), "42s");
  assert.equal(formatDuration(187), "3m07s");
  assert.equal(formatDuration(7500), "2h05m");
  assert.equal(formatDuration(NaN), "--");
  assert.equal(formatDuration(Infinity), "--");
  assert.equal(formatRate(4.56), "4.6");
  assert.equal(formatRate(450.2), "450");
  assert.equal(formatRate(12345), "12.3k");
  assert.equal(barCells(0.5, 10), "█████     ");
  assert.equal(barCells(1, 4), "████");
  assert.equal(barCells(2, 4), "████", "a fraction above 1 (estimated totals) stays a full bar");
  assert.equal(barCells(1 / 16, 2), "▏ ", "an eighth of a cell shows");
});

test("draws done/total, percent, throughput, elapsed and ETA on a TTY, then clears the line", () => {
  const tty = fakeTty(120);
  const clock = fakeClock();
  const bar = progressBar({ label: "compute", stream: tty, now: clock.now });
  bar.onStart!({ total: 300, start: Date.now() });
  assert.equal(tty.writes.length, 1, "the start is drawn");
  assert.match(tty.writes[0], /^\rcompute \|\s+\|   0\/300   0% \|    -- tasks\/s \|  0\.0s elapsed \| ETA    --\x1b\[K$/);

  clock.advance(1000);
  bar.onTaskEnd!(event(1), { done: 100, total: 300 });
  const line = tty.writes.at(-1)!;
  assert.match(line, /100\/300  33%/);
  assert.match(line, /\|   100 tasks\/s \|  1\.0s elapsed \| ETA  2\.0s/);
  assert.match(line, /\|█{6,}[ ▏▎▍▌▋▊▉]? +\|/, "a third of the bar is filled");
  assert.ok(line.length - "\r".length - "\x1b[K".length <= 119, "the line fits the terminal");

  const before = tty.writes.length;
  clock.advance(50);
  bar.onTaskEnd!(event(2), { done: 110, total: 300 });
  assert.equal(tty.writes.length, before, "no redraw within 100 ms");
  clock.advance(60);
  bar.onTaskEnd!(event(3), { done: 120, total: 300 });
  assert.equal(tty.writes.length, before + 1, "redrawn once 100 ms passed");

  clock.advance(10);
  bar.onTaskEnd!(event(4), { done: 300, total: 300 });
  assert.match(tty.writes.at(-1)!, /300\/300 100%.*ETA  0\.0s/, "the last task is drawn at once");
  bar.onFinish!({ end: Date.now() });
  assert.equal(tty.writes.at(-1), "\r\x1b[K", "the line is cleared at the end");
});

test("long computations show minutes in elapsed and ETA", () => {
  const tty = fakeTty(120);
  const clock = fakeClock();
  const bar = progressBar({ stream: tty, now: clock.now });
  bar.update(0, 1000);
  clock.advance(125_000);
  bar.update(250, 1000);
  assert.match(tty.writes.at(-1)!, /250\/1000  25% \|   2\.0 tasks\/s \| 2m05s elapsed \| ETA 6m15s/);
});

test("an unknown total shows the count and rate but no bar or ETA", () => {
  const tty = fakeTty(80);
  const clock = fakeClock();
  const bar = progressBar({ label: "scan", stream: tty, now: clock.now });
  bar.onStart!({ total: undefined, start: 0 });
  clock.advance(2000);
  bar.onTaskEnd!(event(1), { done: 42, total: undefined });
  assert.equal(tty.writes.at(-1), "\rscan 42 tasks |  21.0 tasks/s |  2.0s elapsed\x1b[K");
});

test("a narrow terminal gets a shorter bar, then a cut line, never a wrapped one", () => {
  for (const columns of [20, 40, 60, 200]) {
    const line = renderLine({ label: "export", done: 5, total: 10, elapsed: 1 }, columns);
    assert.ok(line.length <= columns - 1, `${columns} columns: ${JSON.stringify(line)}`);
  }
  assert.match(renderLine({ label: "", done: 5, total: 10, elapsed: 1 }, 200), /^\|█{20} {20}\| /, "the bar is at most 40 cells");
  assert.doesNotMatch(renderLine({ label: "", done: 5, total: 10, elapsed: 1 }, 40), /█/, "too narrow for a bar: numbers only");
});

test("done beyond an estimated total stays at 100% with a full bar", () => {
  const line = renderLine({ label: "", done: 130, total: 100, elapsed: 1 }, 120);
  assert.match(line, /130\/100 100%/);
  assert.match(line, /ETA\s+0\.0s/);
});

test("writes nothing when the stream is not a TTY, or when disabled", () => {
  for (const [tty, enabled] of [[fakeTty(80, false), true], [fakeTty(80, true), false]] as const) {
    const bar = progressBar({ stream: tty, enabled });
    bar.onStart!({ total: 3, start: 0 });
    for (let i = 1; i <= 3; i++) bar.onTaskEnd!(event(i), { done: i, total: 3 });
    bar.update(3, 3);
    bar.onFinish!({ end: 0 });
    bar.end();
    assert.deepEqual(tty.writes, []);
  }
});

test("end() without anything drawn writes nothing", () => {
  const tty = fakeTty();
  progressBar({ stream: tty }).end();
  assert.deepEqual(tty.writes, []);
});

test("the CLI's progressBar(label, enabled) keeps its API and draws on a TTY stderr", () => {
  const stderr = process.stderr as unknown as { isTTY?: boolean; columns?: number; write: unknown };
  const saved = { isTTY: stderr.isTTY, columns: stderr.columns, write: stderr.write };
  const writes: string[] = [];
  try {
    stderr.isTTY = true;
    stderr.columns = 100;
    stderr.write = (s: string) => { writes.push(String(s)); return true; };
    const bar = cliProgressBar("export", true);
    bar.update(3, 6);
    bar.end();
    const quiet = cliProgressBar("export", false);
    quiet.update(1, 2);
    quiet.end();
  } finally {
    Object.assign(stderr, saved);
  }
  assert.equal(writes.length, 2);
  assert.match(writes[0], /^\rexport \|.*\| 3\/6  50% /);
  assert.equal(writes[1], "\r\x1b[K");
});
