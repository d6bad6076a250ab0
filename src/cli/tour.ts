/**
 * `zarrflow tour`: the README's first command. Creates a small hierarchy, writes and reads
 * selections, converts v3 → v2 into a zip, exports .npy, and prints what it did.
 * @module
 */
import { join } from "node:path";
import { get, set } from "../array/access.js";
import { convert } from "../array/convert.js";
import { createArray, createGroup, open, openArray, walk, type ZarrGroup } from "../array/node.js";
import { describeText, treeLine } from "./describe.js";
import { exportNpy } from "../io/npy-stream.js";
import { slice } from "../array/selection.js";
import { openFsStore } from "../stores/fs.js";
import { openZipStore } from "../stores/zip.js";

/** Run the tour in `dir`, printing lines through `print`. */
export async function tour(dir: string, print: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const store = await openFsStore(join(dir, "tour.zarr"), { create: true });
  print(`1. create a v3 hierarchy in ${join(dir, "tour.zarr")}`);
  await createGroup(store, "", { attributes: { title: "zarrflow tour ✓" }, overwrite: true });
  const [T, Y, X] = [48, 90, 180];
  const temp = await createArray(store, "climate/temperature", {
    shape: [T, Y, X], dtype: "float32", chunks: [8, 45, 90], shards: [24, 90, 180],
    compressors: [{ name: "zstd", configuration: { level: 3, checksum: false } }],
    dimensionNames: ["time", "lat", "lon"], fillValue: "NaN", attributes: { units: "°C" },
  });
  const data = new Float32Array(T * Y * X);
  for (let t = 0; t < T; t++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++)
    data[(t * Y + y) * X + x] = 15 + 10 * Math.cos((y / Y - 0.5) * Math.PI) * Math.sin((t / T) * 2 * Math.PI + x / X);
  print(`2. write ${T}×${Y}×${X} float32 (sharded: shards 24×90×180 of chunks 8×45×90, zstd)`);
  await set(temp, null, { data, shape: [T, Y, X], dtype: temp.meta.dtype });
  const calls = await createArray(store, "genomics/calls", { shape: [1000, 6, 2], dtype: "int8", chunks: [256, 6, 2], zarrFormat: 2, compressor: { id: "blosc", cname: "zlib", clevel: 3, shuffle: 0 }, fillValue: -1 });
  const gt = new Int8Array(1000 * 6 * 2).map((_, i) => ((i * 2654435761) >>> 28) % 3 === 0 ? 1 : 0);
  await set(calls, [slice(0, 1000)], gt);
  print(`   and a v2 int8 array genomics/calls (blosc zlib)`);

  print("3. read selections");
  const point = await get(temp, [10, 45, 90]);
  print(`   temperature[10, 45, 90] = ${(point.data as Float32Array)[0].toFixed(3)}`);
  const strip = await get(temp, [slice(0, 48, 12), 45, slice(0, 180, 60)]);
  print(`   temperature[0:48:12, 45, 0:180:60] -> shape (${strip.shape.join(", ")}): ${[...(strip.data as Float32Array)].map((v) => v.toFixed(1)).join(" ")}`);
  const rows = await get(await openArray(store, "genomics/calls"), [[3, 1, 4], null, 0]);
  print(`   calls.oindex[[3,1,4], :, 0] -> (${rows.shape.join(", ")}): ${[...(rows.data as Int8Array)].join(" ")}`);

  print(`4. convert the hierarchy to Zarr v2 inside a zip: ${join(dir, "tour-v2.zip")}`);
  const zip = await openZipStore(join(dir, "tour-v2.zip"), { mode: "w" });
  await convert(store, "", zip, "", { zarrFormat: 2, codec: { id: "zstd", level: 3 } });
  await zip.close?.();
  const zr = await openZipStore(join(dir, "tour-v2.zip"));
  const root = (await open(zr)) as ZarrGroup;
  print(`   ${treeLine(root)}`);
  for await (const n of walk(root)) print(`   ${"  ".repeat(n.path.split("/").length)}${treeLine(n)}`);
  const back = await get(await openArray(zr, "climate/temperature"), null);
  const same = (back.data as Float32Array).every((v, i) => Object.is(v, data[i]));
  print(`   v2 copy equals the original: ${same}`);

  print(`5. export to .npy (numpy loads it): ${join(dir, "temperature.npy")}`);
  await exportNpy(temp, join(dir, "temperature.npy"));
  print("6. inspect");
  for (const line of describeText(await openArray(zr, "climate/temperature")).split("\n")) print(`   ${line}`);
  await zr.close?.();
  print(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
