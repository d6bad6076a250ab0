import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { StoreError } from "../../src/format/errors.js";
import { openHttpStore, rangeHeader } from "../../src/stores/http.js";
import { resolveRange } from "../../src/stores/keys.js";
import type { ByteRange } from "../../src/stores/types.js";
import { BAD_KEYS } from "./conformance.js";

/**
 * A test server over a temp directory. The first path segment picks the behaviour:
 * /r/ honours Range, /n/ ignores it (200 + whole body), /w/ answers ranges with a wider 206
 * (from byte 0), /e500/ /e403/ /e410/ fail with that status.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-http-"));
const file = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
fs.writeFileSync(path.join(root, "k"), file);
fs.writeFileSync(path.join(root, "empty"), new Uint8Array(0));
fs.mkdirSync(path.join(root, "my group"));
fs.writeFileSync(path.join(root, "my group", "ünï.json"), '{"a": 1}');

const seen: { url: string; range?: string; auth?: string; encoding?: string }[] = [];
let server: http.Server;
let base = "";

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url!, "http://x");
  seen.push({ url: req.url!, range: req.headers.range, auth: req.headers.authorization, encoding: req.headers["accept-encoding"] });
  const [, mode, ...rest] = url.pathname.split("/");
  const status = /^e(\d+)$/.exec(mode)?.[1];
  if (status) return res.writeHead(Number(status)).end("nope");
  const rel = rest.map(decodeURIComponent).join("/");
  const p = path.join(root, rel);
  if (!p.startsWith(root + path.sep) || !fs.existsSync(p) || !fs.statSync(p).isFile()) return res.writeHead(404).end();
  const body = fs.readFileSync(p);
  const size = body.length;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  if (mode === "n" || !m || (m[1] === "" && m[2] === "")) return res.writeHead(200, { "content-length": size }).end(body);
  let start: number;
  let end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return res.writeHead(416, { "content-range": `bytes */${size}` }).end();
    [start, end] = [Math.max(0, size - n), size - 1];
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start >= size) return res.writeHead(416, { "content-range": `bytes */${size}` }).end();
  }
  if (mode === "w") start = 0;
  res.writeHead(206, { "content-range": `bytes ${start}-${end}/${size}` }).end(body.subarray(start, end + 1));
}

before(async () => {
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(root, { recursive: true, force: true });
});

const RANGES: ByteRange[] = [
  { offset: 0, length: 3 },
  { offset: 5 },
  { offset: 2, length: 0 },
  { offset: 998, length: 10 },
  { offset: 1000 },
  { offset: 1010, length: 5 },
  { suffix: 3 },
  { suffix: 0 },
  { suffix: 1000 },
  { suffix: 5000 },
];

test("http: whole gets, missing keys, percent-encoded key segments", async () => {
  const s = openHttpStore(`${base}/r/`);
  assert.deepEqual(await s.get("k"), file);
  assert.deepEqual(await s.get("empty"), new Uint8Array(0));
  assert.deepEqual(await s.get("my group/ünï.json"), new TextEncoder().encode('{"a": 1}'));
  assert.ok(seen.some((r) => r.url === "/r/my%20group/%C3%BCn%C3%AF.json"));
  assert.equal(await s.get("missing"), undefined);
  assert.equal(await s.get("missing/deeper/.zarray"), undefined);
  assert.equal(await s.get("missing", { suffix: 10 }), undefined);
  assert.equal(await s.get("missing", { offset: 0, length: 0 }), undefined);
  assert.equal(s.url, `${base}/r/`);
});

for (const mode of ["r", "n", "w"] as const) {
  const label = { r: "Range honoured", n: "Range ignored (200)", w: "wider 206 than asked" }[mode];
  test(`http: ranged gets match the clamping semantics (${label})`, async () => {
    const s = openHttpStore(`${base}/${mode}`); // no trailing slash: added
    for (const r of RANGES) {
      const [a, b] = resolveRange(file.length, r, "k");
      assert.deepEqual(await s.get("k", r), file.slice(a, b), JSON.stringify(r));
    }
    for (const r of [{ suffix: 5 }, { offset: 0, length: 5 }, { offset: 3 }]) {
      assert.deepEqual(await s.get("empty", r), new Uint8Array(0), JSON.stringify(r));
    }
  });
}

test("http: Range headers sent (bytes=a-b, bytes=a-, bytes=-n) with identity encoding", async () => {
  assert.equal(rangeHeader({ offset: 4, length: 6 }), "bytes=4-9");
  assert.equal(rangeHeader({ offset: 4 }), "bytes=4-");
  assert.equal(rangeHeader({ suffix: 16 }), "bytes=-16");
  const s = openHttpStore(`${base}/r/`);
  seen.length = 0;
  await s.get("k", { offset: 10, length: 5 });
  await s.get("k", { offset: 990 });
  await s.get("k", { suffix: 16 });
  await s.get("k");
  assert.deepEqual(seen.map((r) => r.range), ["bytes=10-14", "bytes=990-", "bytes=-16", undefined]);
  assert.deepEqual(seen.slice(0, 3).map((r) => r.encoding), ["identity", "identity", "identity"]);
});

test("http: 404 is the only 'missing'; other statuses throw StoreError naming status and URL", async () => {
  for (const [status, extra] of [[500, /Internal Server Error/], [403, /only 404 is read as missing/], [410, /Gone/]] as const) {
    const s = openHttpStore(`${base}/e${status}/`);
    for (const range of [undefined, { suffix: 4 }]) {
      await assert.rejects(s.get("a/.zarray", range), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.key, "a/.zarray");
        assert.match(e.message, new RegExp(`HTTP ${status}\\b`));
        assert.ok(e.message.includes(`${base}/e${status}/a/.zarray`), e.message);
        assert.match(e.message, extra);
        return true;
      });
    }
  }
});

test("http: list is refused with a pointer to consolidated metadata; bad keys refused without a request", async () => {
  const s = openHttpStore(`${base}/r/`);
  await assert.rejects(
    (async () => {
      for await (const _ of s.list("")) void _;
    })(),
    (e: unknown) => e instanceof StoreError && /consolidated/.test(e.message),
  );
  seen.length = 0;
  for (const k of BAD_KEYS) await assert.rejects(s.get(k), (e: unknown) => e instanceof StoreError && e.key === k, k);
  await assert.rejects(s.get("k", { offset: -1 }), StoreError);
  assert.equal(seen.length, 0);
  assert.throws(() => openHttpStore("ftp://example.com/x"), /not an http/);
  assert.throws(() => openHttpStore("not a url"), /invalid URL/);
});

test("http: headers, query strings (presigned URLs) and a custom fetch are used", async () => {
  let calls = 0;
  const s = openHttpStore(`${base}/r/?sig=abc%2F1#frag`, {
    headers: { authorization: "Bearer t" },
    fetch: (input, init) => {
      calls++;
      return fetch(input, init);
    },
  });
  seen.length = 0;
  assert.deepEqual(await s.get("k", { offset: 1, length: 2 }), file.slice(1, 3));
  assert.equal(calls, 1);
  assert.equal(seen[0].url, "/r/k?sig=abc%2F1");
  assert.equal(seen[0].auth, "Bearer t");
});

test("http: network failures are StoreErrors naming the URL", async () => {
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const s = openHttpStore(`http://127.0.0.1:${port}/x/`);
  await assert.rejects(s.get("k"), (e: unknown) => e instanceof StoreError && e.message.includes(`http://127.0.0.1:${port}/x/k`));
});
