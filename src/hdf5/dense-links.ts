/**
 * Dense (new-style, indexed) groups: the link info message points to a fractal heap holding
 * link messages and to a version-2 B-tree (record type 5) indexing them by the lookup3 hash
 * of their names. A name is found by walking only the B-tree nodes whose hash range holds its
 * hash, then reading the candidates from the heap and comparing names.
 * @module
 */
import { uintLE } from "./bytes.js";
import { readV2Header, walkV2 } from "./btree-v2.js";
import { lookup3 } from "./checksum.js";
import { corrupt, UNDEF, type Ctx } from "./context.js";
import { heapObject, readFractalHeap } from "./fractal-heap.js";
import { parseLink, type Link, type LinkInfo } from "./link-messages.js";

const NAME_INDEX = 5;

/** Look `name` up in a dense group; undefined when it has no such link. */
export function lookupDense(ctx: Ctx, info: LinkInfo, name: string): Link | undefined {
  if (info.nameIndexAddress === UNDEF) throw corrupt(ctx, "link info message", info.heapAddress, "dense group without a name index");
  const heap = readFractalHeap(ctx, info.heapAddress);
  const tree = readV2Header(ctx, info.nameIndexAddress, NAME_INDEX);
  if (tree.recordSize < 4 + heap.idLength) throw corrupt(ctx, "v2 B-tree header", tree.addr, `record of ${tree.recordSize} bytes cannot hold a hash and a ${heap.idLength}-byte heap ID`);
  const hash = lookup3(new TextEncoder().encode(name));
  const hashOf = (rec: Uint8Array): number => uintLE(rec, 0, 4);
  let found: Link | undefined;
  walkV2(
    ctx,
    tree,
    (rec) => {
      if (found !== undefined || hashOf(rec) !== hash) return;
      const object = heapObject(ctx, heap, rec.subarray(4, 4 + heap.idLength));
      const link = parseLink(ctx, object, heap.addr, "link in a fractal heap");
      if (link.name === name) found = link;
    },
    (left, right) => found === undefined && (left === undefined || hashOf(left) <= hash) && (right === undefined || hash <= hashOf(right)),
  );
  return found;
}
