/**
 * The superblock (versions 0–3): where the file's HDF5 data starts (a user block may precede
 * it), the sizes of offsets and lengths every later structure uses, the end-of-file address
 * (a shorter file is truncated) and the root group's object header.
 * @module
 */
import { MetadataError, UnsupportedError } from "../format/errors.js";
import { cursor } from "./bytes.js";
import { verifyChecksum } from "./checksum.js";
import { UNDEF, type Ctx } from "./context.js";
import type { FileReader } from "./file-reader.js";

/** What the superblock says. */
export interface Superblock {
  version: number;
  offsetSize: number;
  lengthSize: number;
  /** Absolute position every address is relative to (where the superblock is). */
  base: number;
  /** Object header address of the root group (relative to base). */
  rootAddress: number;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function hasSignature(reader: FileReader, pos: number): boolean {
  if (pos + 8 > reader.size) return false;
  const b = reader.read(pos, 8, "superblock signature");
  return SIGNATURE.every((v, i) => b[i] === v);
}

/** Position of the superblock: 0, 512, 1024, 2048... (the spec's search rule). */
function findSignature(reader: FileReader, key: string): number {
  for (let pos = 0; pos + 8 <= reader.size; pos = pos === 0 ? 512 : pos * 2) {
    if (hasSignature(reader, pos)) return pos;
  }
  throw new MetadataError("not an HDF5 file (no HDF5 signature at offset 0, 512, 1024, ...)", key);
}

function checkSizes(key: string, offsetSize: number, lengthSize: number): void {
  for (const [name, v] of [["offsets", offsetSize], ["lengths", lengthSize]] as const) {
    if (v !== 2 && v !== 4 && v !== 8) {
      if (v === 16 || v === 32 || v === 1) throw new UnsupportedError(`size of ${name}`, `${v} bytes (only 2, 4 and 8 are handled)`, key);
      throw new MetadataError(`superblock: size of ${name} is ${v} bytes, not a valid HDF5 size`, key);
    }
  }
}

/** Read and check the superblock of the file behind `reader`. */
export function readSuperblock(reader: FileReader, key: string): Superblock {
  const pos = findSignature(reader, key);
  const version = reader.read(pos + 8, 1, "superblock version")[0];
  if (version > 3) throw new MetadataError(`superblock: unknown version ${version}`, key);
  const sizesAt = version <= 1 ? 13 : 9;
  const [offsetSize, lengthSize] = reader.read(pos + sizesAt, 2, "superblock");
  checkSizes(key, offsetSize, lengthSize);
  const fixed = version === 0 ? 24 : version === 1 ? 28 : 12;
  const total = version <= 1 ? fixed + 4 * offsetSize + 2 * offsetSize + 24 : fixed + 4 * offsetSize + 4;
  const bytes = reader.read(pos, total, `superblock at ${pos}`);
  const ctx: Ctx = { reader, key, offsetSize, lengthSize, base: pos };
  if (version >= 2) verifyChecksum(ctx, bytes, "superblock", 0);
  else if (bytes[10] !== 0 || bytes[12] !== 0) {
    throw new UnsupportedError("superblock", `root symbol table entry version ${bytes[10]} / shared header version ${bytes[12]}`, key);
  }
  const c = cursor(ctx, bytes, "superblock", 0, fixed);
  const storedBase = c.address();
  if (version <= 1) c.address(); // free-space info (unused by readers)
  else c.address(); // superblock extension: nothing in it changes where data is
  const eof = c.address();
  if (version <= 1) c.address(); // driver information block
  let rootAddress: number;
  if (version <= 1) {
    c.address(); // link name offset of the root entry
    rootAddress = c.address();
  } else rootAddress = c.address();
  if (rootAddress === UNDEF) throw new MetadataError("superblock: the root group address is undefined", key);
  // The library treats the superblock's position as the base address. The end-of-file address
  // it stores counts the user block too (seen with h5py's userblock_size), so it is the file size.
  if (storedBase !== UNDEF && eof !== UNDEF && eof > reader.size) {
    throw new MetadataError(`truncated file: the superblock says it ends at ${eof}, it has ${reader.size} bytes`, key);
  }
  return { version, offsetSize, lengthSize, base: pos, rootAddress };
}
