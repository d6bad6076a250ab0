/**
 * Results of pool tasks as plain data. Failures travel as {@link ErrorInfo} rather than as
 * throws: structured clone drops a typed error's class and fields (key, codec...), so the
 * worker flattens them and the caller rebuilds the typed error ({@link reviveError}).
 * A rejected task therefore always means the thread failed (exited, was terminated, ran out
 * of memory), never the task's own code — which is what lets the pool retry those safely.
 * @module
 */
import { ChunkError, CodecError, ComputeError, NodeNotFoundError, SelectionError, StoreError, UnsupportedError, ZarrError } from "../format/errors.js";

/** A failure as plain data (name, message, and the typed error's fields). */
export interface ErrorInfo {
  name: string;
  message: string;
  key?: string;
  codec?: string;
  stack?: string;
}

/** Where and when a task ran: the worker's thread id and wall-clock start/end (epoch ms, comparable across threads). */
export interface TaskRun {
  thread: number;
  start: number;
  end: number;
}

/** Epoch ms with sub-ms resolution: the clock of {@link TaskRun}, comparable across threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Result of a task: ok (with a value) or the failure as plain data; kernels also say where and when they ran. */
export type TaskResult<T = undefined> = { ok: true; value: T; run?: TaskRun } | { ok: false; error: ErrorInfo; run?: TaskRun };

/** Flatten an error thrown in a worker. */
export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const z = e as Partial<ZarrError> & { codec?: string };
    return { name: e.name, message: e.message, key: e instanceof ZarrError ? z.key : undefined, codec: z.codec, stack: e.stack };
  }
  return { name: "Error", message: String(e) };
}

/** Typed errors rebuilt as themselves from (message, key): a file that vanished or changed under a read stays a StoreError. */
const PLAIN: Record<string, new (message: string, key?: string) => ZarrError> = { StoreError, NodeNotFoundError, SelectionError };

/**
 * Rebuild the typed error a worker reported; `key` names the chunk (or task) when the
 * error did not carry one.
 */
export function reviveError(info: ErrorInfo, key: string): ZarrError {
  const strip = (m: string, prefix?: string) => (prefix !== undefined && m.startsWith(`${prefix}: `) ? m.slice(prefix.length + 2) : m);
  let message = strip(info.message, info.key);
  let e: ZarrError;
  if (info.name === "CodecError" && info.codec !== undefined) {
    message = strip(message, `codec ${info.codec}`);
    e = new CodecError(info.codec, message, info.key ?? key);
  } else if (info.name === "UnsupportedError") e = new UnsupportedError("codec", message, info.key ?? key);
  else if (info.name === "ComputeError") {
    const op = message.split(": ")[0];
    e = new ComputeError(op, message.slice(op.length + 2), info.key ?? key);
  }
  else if (info.name in PLAIN) e = new PLAIN[info.name](message, info.key ?? key);
  else e = new ChunkError(info.name === "ChunkError" || info.name === "Error" ? message : `${info.name}: ${message}`, info.key ?? key);
  if (info.stack) e.stack = `${e.name}: ${e.message}\n    [in worker] ${info.stack}`;
  return e;
}

/** The value of an ok result, or the revived error thrown. */
export function unwrap<T>(r: TaskResult<T>, key: string): T {
  if (!r.ok) throw reviveError(r.error, key);
  return r.value;
}
