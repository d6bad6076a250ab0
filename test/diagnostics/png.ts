/**
 * A minimal PNG decoder for screenshot checks (8-bit RGB or RGBA, not interlaced: what
 * Chromium's screenshots are), so tests can look at pixels without an image package.
 * @module
 */
import { inflateSync } from "node:zlib";

/** Decoded pixels: `channels` bytes per pixel, rows top to bottom. */
export interface Image {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decode `png`; throws on a format it does not handle. */
export function decodePng(png: Uint8Array): Image {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!SIGNATURE.every((b, i) => buf[i] === b)) throw new Error("not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels: 3 | 4 = 4;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      channels = colour === 2 ? 3 : 4;
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? data[row + i - channels] : 0;
      const b = y > 0 ? data[row - stride + i] : 0;
      const c = i >= channels && y > 0 ? data[row - stride + i - channels] : 0;
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : NaN;
      if (Number.isNaN(pred)) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      data[row + i] = (src[i] + pred) & 0xff;
    }
  }
  return { width, height, channels, data };
}

/** Share of pixels that are not (near) white. */
export function nonWhiteShare(img: Image): number {
  let n = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    const o = p * img.channels;
    if (img.data[o] < 245 || img.data[o + 1] < 245 || img.data[o + 2] < 245) n++;
  }
  return n / (img.width * img.height);
}

/** Pixels within `tolerance` of the colour "#rrggbb". */
export function countColour(img: Image, hex: string, tolerance = 3): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    const o = p * img.channels;
    if (Math.abs(img.data[o] - r) <= tolerance && Math.abs(img.data[o + 1] - g) <= tolerance && Math.abs(img.data[o + 2] - b) <= tolerance) n++;
  }
  return n;
}
