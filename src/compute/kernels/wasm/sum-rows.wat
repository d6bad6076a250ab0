;; Row sums of 8-bit integers with WebAssembly SIMD (128-bit), for integer sum reductions.
;; sumRows(in, rows, rowBytes, out, signed): for each row r adds the sum of bytes
;; [in + r*rowBytes, in + (r+1)*rowBytes) — int8 when signed, else uint8 — to the i32 at
;; out + 4*r. Per 16 bytes: two pairwise widening adds (8 → 16 → 32 bits) and one add into
;; four 32-bit lanes. Rows must be shorter than 2^23 bytes (the i32 sum cannot overflow).
;; Source of sum-rows-wasm.ts (scripts/build-wasm.mjs).
(module
  (memory (export "memory") 1)
  (func (export "sumRows") (param $in i32) (param $rows i32) (param $rowBytes i32) (param $out i32) (param $signed i32)
    (local $r i32) (local $p i32) (local $end i32) (local $vend i32) (local $total i32) (local $o i32)
    (local $acc v128)
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $p (i32.add (local.get $in) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $end (i32.add (local.get $p) (local.get $rowBytes)))
      (local.set $vend (i32.sub (local.get $end) (i32.and (local.get $rowBytes) (i32.const 15))))
      (local.set $acc (v128.const i64x2 0 0))
      (if (local.get $signed)
        (then
          (block $done (loop $vectors
            (br_if $done (i32.ge_u (local.get $p) (local.get $vend)))
            (local.set $acc (i32x4.add (local.get $acc)
              (i32x4.extadd_pairwise_i16x8_s (i16x8.extadd_pairwise_i8x16_s (v128.load (local.get $p))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $vectors))))
        (else
          (block $done (loop $vectors
            (br_if $done (i32.ge_u (local.get $p) (local.get $vend)))
            (local.set $acc (i32x4.add (local.get $acc)
              (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (v128.load (local.get $p))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $vectors)))))
      (local.set $total (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
        (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $total (i32.add (local.get $total)
          (if (result i32) (local.get $signed) (then (i32.load8_s (local.get $p))) (else (i32.load8_u (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))))
      (i32.store (local.get $o) (i32.add (i32.load (local.get $o)) (local.get $total)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop)))))
