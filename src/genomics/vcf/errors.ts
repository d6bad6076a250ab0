/**
 * The typed error of the VCF importer: every problem with the input names the file and,
 * when it concerns a line, the 1-based line number.
 * @module
 */
import { ZarrError } from "../../format/errors.js";

/** Bad or unreadable VCF input. `key` is `file:line` (or the file alone). */
export class VcfError extends ZarrError {
  /** The input file. */
  readonly file: string;
  /** 1-based line number, when the error concerns one line. */
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super(message, line === undefined ? file : `${file}:${line}`, options);
    this.file = file;
    this.line = line;
  }
}
