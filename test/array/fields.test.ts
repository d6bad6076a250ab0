import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryStore } from "../../src/stores/memory.js";
import { createArray } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { allocateStructured, getField, setField } from "../../src/array/fields.js";
import { parseV2DataType } from "../../src/format/dtype.js";
import { SelectionError } from "../../src/format/errors.js";

test("structured arrays: write and read fields through a v2 array (mixed byte orders, sub-array field)", async () => {
  const dtype = parseV2DataType([["id", "<i4"], ["xy", ">f8", [2]], ["tag", "|S3"]] as never);
  const rec = allocateStructured(dtype, [5]);
  setField(rec, "id", Int32Array.from([1, 2, 3, 4, 5]));
  setField(rec, "xy", Float64Array.from([0.5, -1, 1.5, -2, 2.5, -3, NaN, -0, 4.5, -5]));
  setField(rec, "tag", new TextEncoder().encode("abcdefghijklmno"));
  // the big-endian field is stored big-endian inside the record
  assert.deepEqual([...(rec.data as Uint8Array).subarray(4, 12)], [0x3f, 0xe0, 0, 0, 0, 0, 0, 0]);
  const s = createMemoryStore();
  const a = await createArray(s, "r", { zarrFormat: 2, shape: [5], chunks: [2], dtype: [["id", "<i4"], ["xy", ">f8", [2]], ["tag", "|S3"]], compressor: { id: "zlib", level: 1 } });
  assert.deepEqual(a.meta.dtype, dtype);
  await set(a, null, rec);
  const back = await get(a);
  assert.deepEqual([...getField(back, "id").data as Int32Array], [1, 2, 3, 4, 5]);
  const xy = getField(back, "xy");
  assert.deepEqual(xy.shape, [5, 2]);
  assert.ok(Object.is((xy.data as Float64Array)[7], -0));
  assert.ok(Number.isNaN((xy.data as Float64Array)[6]));
  assert.equal(new TextDecoder().decode(getField(back, "tag").data as Uint8Array), "abcdefghijklmno");
  assert.throws(() => getField(back, "nope"), SelectionError);
  assert.throws(() => setField(back, "id", new Int32Array(3)), SelectionError);
});
