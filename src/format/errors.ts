/**
 * Typed errors. Every error zarrflow throws for bad input is a {@link ZarrError}
 * subclass whose message names the store key and the field or codec at fault.
 * @module
 */

/** Base class of every error zarrflow raises on purpose. */
export class ZarrError extends Error {
  /** Store key the error concerns, when there is one. */
  readonly key: string | undefined;
  constructor(message: string, key?: string, options?: { cause?: unknown }) {
    super(key === undefined ? message : `${key}: ${message}`, options);
    this.name = new.target.name;
    this.key = key;
  }
}

/** Metadata document is missing, malformed, or violates the spec. `field` names the offending JSON field. */
export class MetadataError extends ZarrError {
  readonly field: string | undefined;
  constructor(message: string, key?: string, field?: string, options?: { cause?: unknown }) {
    super(field === undefined ? message : `field "${field}": ${message}`, key, options);
    this.field = field;
  }
}

/** The data uses a feature zarrflow does not implement (named in `feature`). */
export class UnsupportedError extends ZarrError {
  readonly feature: string;
  constructor(feature: string, message: string, key?: string) {
    super(`unsupported ${feature}: ${message}`, key);
    this.feature = feature;
  }
}

/** A compute kernel was called with arguments it cannot compute with (bad shapes, axes, values). */
export class ComputeError extends ZarrError {
  /** The operation at fault ("add", "sum", "histogram"...). */
  readonly op: string;
  constructor(op: string, message: string, key?: string) {
    super(`${op}: ${message}`, key);
    this.op = op;
  }
}

/** A codec could not be configured, or failed to encode/decode a chunk. */
export class CodecError extends ZarrError {
  readonly codec: string;
  constructor(codec: string, message: string, key?: string, options?: { cause?: unknown }) {
    super(`codec ${codec}: ${message}`, key, options);
    this.codec = codec;
  }
}

/** A stored chunk is corrupt, truncated, or decodes to the wrong size. */
export class ChunkError extends ZarrError {}

/** A store refused or failed an operation (bad key, I/O error, HTTP status...). */
export class StoreError extends ZarrError {}

/** A selection does not fit the array (out of bounds, wrong rank, bad step...). */
export class SelectionError extends ZarrError {}

/** No node (array or group) exists at the given path. */
export class NodeNotFoundError extends ZarrError {}
