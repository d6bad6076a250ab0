;; Allele counting over rows of int8 genotype bytes with WebAssembly SIMD (128-bit).
;; count(in, rows, rowBytes, out, nA, stride): for each row r and allele a < nA, adds the
;; number of bytes equal to a in bytes [in + r*stride, in + r*stride + rowBytes) to the i32
;; at out + 4*(r*nA + a) (stride > rowBytes: rows of a chunk clipped at the array's edge). Alleles go four at a time: one load per 16 bytes, then per allele one
;; compare and one subtract into 8-bit lane counters, widened and summed every 255 vectors
;; (before a lane could wrap).
;; place(src, rows, run, srcStride, dst, dstStride): copies `rows` runs of `run` bytes from
;; src + r*srcStride to dst + r*dstStride (a stored chunk's rows into their place in a block;
;; runs may be as short as a few samples, so 16 bytes per step, the last step overlapping).
;; Source of count-alleles-wasm.ts (scripts/build-wasm.mjs).
(module
  (memory (export "memory") 1)
  ;; Sum of the 16 unsigned 8-bit lanes of $v.
  (func $lanes (param $v v128) (result i32)
    (local $w v128)
    (local.set $w (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $v))))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $w)) (i32x4.extract_lane 1 (local.get $w)))
      (i32.add (i32x4.extract_lane 2 (local.get $w)) (i32x4.extract_lane 3 (local.get $w)))))
  ;; Add $n to the i32 count of row $r, allele $a, when $a < $nA.
  (func $add (param $out i32) (param $r i32) (param $nA i32) (param $a i32) (param $n i32)
    (local $o i32)
    (if (i32.lt_u (local.get $a) (local.get $nA))
      (then
        (local.set $o (i32.add (local.get $out)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $nA)) (local.get $a)) (i32.const 2))))
        (i32.store (local.get $o) (i32.add (i32.load (local.get $o)) (local.get $n))))))
;; Copy rows of a decoded chunk into a block (see the header); regions must not overlap.
  ;; Runs of 16..32 bytes (8..16 diploid samples: HDF5 chunks are often this narrow) take two
  ;; overlapping vector copies and no inner loop.
  (func (export "place") (param $src i32) (param $rows i32) (param $run i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (local $i i32) (local $end i32) (local $tail i32)
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $ss))))
    (local.set $tail (i32.sub (local.get $run) (i32.const 16)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (if (i32.and (i32.ge_u (local.get $run) (i32.const 16)) (i32.le_u (local.get $run) (i32.const 32)))
      (then
        (loop $pairLoop
          (v128.store (local.get $dst) (v128.load (local.get $src)))
          (v128.store (i32.add (local.get $dst) (local.get $tail)) (v128.load (i32.add (local.get $src) (local.get $tail))))
          (local.set $src (i32.add (local.get $src) (local.get $ss)))
          (local.set $dst (i32.add (local.get $dst) (local.get $ds)))
          (br_if $pairLoop (i32.lt_u (local.get $src) (local.get $end))))
        (return)))
    (loop $rowLoop
      (local.set $i (i32.const 0))
      (if (i32.ge_u (local.get $run) (i32.const 16))
        (then
          (loop $vectorLoop
            (v128.store (i32.add (local.get $dst) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br_if $vectorLoop (i32.le_u (local.get $i) (local.get $tail))))
          ;; The run's last 16 bytes (overlapping the copied part, never past the run).
          (v128.store (i32.add (local.get $dst) (local.get $tail)) (v128.load (i32.add (local.get $src) (local.get $tail)))))
        (else
          (block $bytesDone (loop $byteLoop
            (br_if $bytesDone (i32.ge_u (local.get $i) (local.get $run)))
            (i32.store8 (i32.add (local.get $dst) (local.get $i)) (i32.load8_u (i32.add (local.get $src) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $byteLoop)))))
      (local.set $src (i32.add (local.get $src) (local.get $ss)))
      (local.set $dst (i32.add (local.get $dst) (local.get $ds)))
      (br_if $rowLoop (i32.lt_u (local.get $src) (local.get $end)))))
  (func (export "count") (param $in i32) (param $rows i32) (param $rowBytes i32) (param $out i32) (param $nA i32) (param $stride i32)
    (local $r i32) (local $a i32) (local $p i32) (local $rowStart i32) (local $end i32) (local $vend i32)
    (local $blockEnd i32) (local $b i32) (local $v v128)
    (local $n0 v128) (local $n1 v128) (local $n2 v128) (local $n3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $t0 i32) (local $t1 i32) (local $t2 i32) (local $t3 i32)
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $rowStart (i32.add (local.get $in) (i32.mul (local.get $r) (local.get $stride))))
      (local.set $end (i32.add (local.get $rowStart) (local.get $rowBytes)))
      (local.set $vend (i32.sub (local.get $end) (i32.and (local.get $rowBytes) (i32.const 15))))
      (local.set $a (i32.const 0))
      (block $allelesDone (loop $alleleLoop
        (br_if $allelesDone (i32.ge_u (local.get $a) (local.get $nA)))
        (local.set $n0 (i8x16.splat (local.get $a)))
        (local.set $n1 (i8x16.splat (i32.add (local.get $a) (i32.const 1))))
        (local.set $n2 (i8x16.splat (i32.add (local.get $a) (i32.const 2))))
        (local.set $n3 (i8x16.splat (i32.add (local.get $a) (i32.const 3))))
        (local.set $t0 (i32.const 0)) (local.set $t1 (i32.const 0))
        (local.set $t2 (i32.const 0)) (local.set $t3 (i32.const 0))
        (local.set $p (local.get $rowStart))
        (block $vectorsDone (loop $blockLoop
          (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vend)))
          (local.set $blockEnd (i32.add (local.get $p) (i32.const 4080)))
          (if (i32.gt_u (local.get $blockEnd) (local.get $vend)) (then (local.set $blockEnd (local.get $vend))))
          (local.set $c0 (v128.const i64x2 0 0)) (local.set $c1 (v128.const i64x2 0 0))
          (local.set $c2 (v128.const i64x2 0 0)) (local.set $c3 (v128.const i64x2 0 0))
          (loop $vectorLoop
            (local.set $v (v128.load (local.get $p)))
            (local.set $c0 (i8x16.sub (local.get $c0) (i8x16.eq (local.get $v) (local.get $n0))))
            (local.set $c1 (i8x16.sub (local.get $c1) (i8x16.eq (local.get $v) (local.get $n1))))
            (local.set $c2 (i8x16.sub (local.get $c2) (i8x16.eq (local.get $v) (local.get $n2))))
            (local.set $c3 (i8x16.sub (local.get $c3) (i8x16.eq (local.get $v) (local.get $n3))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br_if $vectorLoop (i32.lt_u (local.get $p) (local.get $blockEnd))))
          (local.set $t0 (i32.add (local.get $t0) (call $lanes (local.get $c0))))
          (local.set $t1 (i32.add (local.get $t1) (call $lanes (local.get $c1))))
          (local.set $t2 (i32.add (local.get $t2) (call $lanes (local.get $c2))))
          (local.set $t3 (i32.add (local.get $t3) (call $lanes (local.get $c3))))
          (br $blockLoop)))
        (block $tailDone (loop $tailLoop
          (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $b (i32.sub (i32.load8_s (local.get $p)) (local.get $a)))
          (if (i32.eq (local.get $b) (i32.const 0)) (then (local.set $t0 (i32.add (local.get $t0) (i32.const 1)))))
          (if (i32.eq (local.get $b) (i32.const 1)) (then (local.set $t1 (i32.add (local.get $t1) (i32.const 1)))))
          (if (i32.eq (local.get $b) (i32.const 2)) (then (local.set $t2 (i32.add (local.get $t2) (i32.const 1)))))
          (if (i32.eq (local.get $b) (i32.const 3)) (then (local.set $t3 (i32.add (local.get $t3) (i32.const 1)))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $tailLoop)))
        (call $add (local.get $out) (local.get $r) (local.get $nA) (local.get $a) (local.get $t0))
        (call $add (local.get $out) (local.get $r) (local.get $nA) (i32.add (local.get $a) (i32.const 1)) (local.get $t1))
        (call $add (local.get $out) (local.get $r) (local.get $nA) (i32.add (local.get $a) (i32.const 2)) (local.get $t2))
        (call $add (local.get $out) (local.get $r) (local.get $nA) (i32.add (local.get $a) (i32.const 3)) (local.get $t3))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $alleleLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop)))))
