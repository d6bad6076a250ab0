;; Raw LZ4 block decoder; source of lz4-block-wasm.ts (scripts/build-wasm.mjs), driven by
;; ../lz4-block.ts, which also holds a JavaScript twin with the same rules and error codes.
;;
;; decode(ip, n, op, cap): decode the n-byte block at ip into at most the cap bytes at op;
;; returns the number of bytes it decoded to (the caller wants exactly cap), or a negative
;; code: -1 input ends where a token is due; -2 literal length bytes truncated; -3 literals
;; run past the input; -4 literals run past the output; -5 a match starts less than 12 bytes
;; before the end of the output; -6 offset truncated; -7 offset 0; -8 offset before the
;; start of the output; -9 match length bytes truncated; -10 a match runs into the last 5
;; bytes of the output.
;;
;; The rules are those of liblz4 1.9.4's LZ4_decompress_safe (what c-blosc and numcodecs
;; decode with), plus offset 0, which the format calls invalid and liblz4 lets through as a
;; copy of undefined bytes.
;;
;; Memory, set up by the caller: bytes 0..271 hold the tables below; input and output must
;; lie in [512, 2^31), apart, each followed by 64 bytes of slack. Copies move 16 to 64
;; bytes at a time and may read or write up to 63 bytes past their end (at most 58 past the
;; output, as a match ends 5 bytes before it): what lands past a match or literal run is
;; overwritten by later sequences (or, past cap, ignored by the caller). Every length and
;; offset is checked against n and cap (unsigned, on absolute addresses) before anything is
;; copied.
(module
  (memory (export "memory") 1)
  ;; 0..255: i8x16.swizzle masks repeating a pattern of d bytes (mask d, lane k = k mod d).
  (data (i32.const 0)
    "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"
    "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"
    "\00\01\00\01\00\01\00\01\00\01\00\01\00\01\00\01"
    "\00\01\02\00\01\02\00\01\02\00\01\02\00\01\02\00"
    "\00\01\02\03\00\01\02\03\00\01\02\03\00\01\02\03"
    "\00\01\02\03\04\00\01\02\03\04\00\01\02\03\04\00"
    "\00\01\02\03\04\05\00\01\02\03\04\05\00\01\02\03"
    "\00\01\02\03\04\05\06\00\01\02\03\04\05\06\00\01"
    "\00\01\02\03\04\05\06\07\00\01\02\03\04\05\06\07"
    "\00\01\02\03\04\05\06\07\08\00\01\02\03\04\05\06"
    "\00\01\02\03\04\05\06\07\08\09\00\01\02\03\04\05"
    "\00\01\02\03\04\05\06\07\08\09\0a\00\01\02\03\04"
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\00\01\02\03"
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\00\01\02"
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\00\01"
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\00")
  ;; 256..271: for a pattern of d < 16 bytes, the smallest multiple of d that is >= 16. Once
  ;; 16 bytes of the match are written, copying from that far back repeats the pattern with
  ;; 16-byte loads that never reach bytes not yet written.
  (data (i32.const 256) "\00\10\10\12\10\14\12\15\10\12\14\16\18\1a\1c\1e")

  ;; Copy long literals: 32-byte pieces from $s to $d until $d reaches $end (at least one).
  ;; (An inlined loop here gained nothing; for matches it did, ~10%.)
  (func $copy32 (param $d i32) (param $s i32) (param $end i32)
    (loop $piece
      (v128.store align=1 (local.get $d) (v128.load align=1 (local.get $s)))
      (v128.store offset=16 align=1 (local.get $d) (v128.load offset=16 align=1 (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 32)))
      (local.set $s (i32.add (local.get $s) (i32.const 32)))
      (br_if $piece (i32.lt_u (local.get $d) (local.get $end)))))

  (func (export "decode") (param $ip i32) (param $n i32) (param $op i32) (param $cap i32) (result i32)
    (local $iend i32) (local $oend i32) (local $ostart i32) (local $ifast i32) (local $ofast i32)
    (local $token i32) (local $len i32) (local $b i32) (local $dist i32) (local $end i32) (local $v v128)
    (local.set $iend (i32.add (local.get $ip) (local.get $n)))
    (local.set $oend (i32.add (local.get $op) (local.get $cap)))
    (local.set $ostart (local.get $op))
    ;; Far enough from both ends that a short sequence (literals <= 14, match <= 18 bytes)
    ;; can be neither the last one nor break an end rule, and its copies stay in the slack.
    (local.set $ifast (i32.sub (local.get $iend) (i32.const 32)))
    (local.set $ofast (i32.sub (local.get $oend) (i32.const 40)))
    (block $done
      (loop $sequence
        ;; Token: literal length (high 4 bits), match length - 4 (low 4 bits).
        (if (i32.ge_u (local.get $ip) (local.get $iend)) (then (return (i32.const -1))))
        (local.set $token (i32.load8_u (local.get $ip)))
        (local.set $ip (i32.add (local.get $ip) (i32.const 1)))

        ;; Fast path (most sequences of text-like data): no length bytes, one 16-byte literal
        ;; copy, two 16-byte match stores, only the offset left to check.
        (if (i32.and
              (i32.and (i32.lt_u (local.get $ip) (local.get $ifast)) (i32.lt_u (local.get $op) (local.get $ofast)))
              (i32.and (i32.lt_u (local.get $token) (i32.const 0xf0)) (i32.ne (i32.and (local.get $token) (i32.const 15)) (i32.const 15))))
          (then
            (v128.store align=1 (local.get $op) (v128.load align=1 (local.get $ip)))
            (local.set $len (i32.shr_u (local.get $token) (i32.const 4)))
            (local.set $ip (i32.add (local.get $ip) (local.get $len)))
            (local.set $op (i32.add (local.get $op) (local.get $len)))
            (local.set $dist (i32.load16_u align=1 (local.get $ip)))
            (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
            ;; dist - 1 wraps for 0, so one compare rejects 0 and offsets before the output.
            (if (i32.ge_u (i32.sub (local.get $dist) (i32.const 1)) (i32.sub (local.get $op) (local.get $ostart)))
              (then (return (select (i32.const -7) (i32.const -8) (i32.eqz (local.get $dist))))))
            (local.set $end (i32.add (local.get $op) (i32.add (i32.and (local.get $token) (i32.const 15)) (i32.const 4))))
            (if (i32.ge_u (local.get $dist) (i32.const 16))
              (then
                (v128.store align=1 (local.get $op) (v128.load align=1 (i32.sub (local.get $op) (local.get $dist))))
                (v128.store offset=16 align=1 (local.get $op) (v128.load offset=16 align=1 (i32.sub (local.get $op) (local.get $dist)))))
              (else
                (v128.store align=1 (local.get $op)
                  (i8x16.swizzle
                    (v128.load align=1 (i32.sub (local.get $op) (local.get $dist)))
                    (v128.load (i32.shl (local.get $dist) (i32.const 4)))))
                (v128.store offset=16 align=1 (local.get $op)
                  (v128.load offset=16 align=1 (i32.sub (local.get $op) (i32.load8_u offset=256 (local.get $dist)))))))
            (local.set $op (local.get $end))
            (br $sequence)))

        ;; General path: literal length bytes (each 255 says "more"), then the literals.
        (local.set $len (i32.shr_u (local.get $token) (i32.const 4)))
        (if (i32.eq (local.get $len) (i32.const 15))
          (then
            (loop $more
              (if (i32.ge_u (local.get $ip) (local.get $iend)) (then (return (i32.const -2))))
              (local.set $b (i32.load8_u (local.get $ip)))
              (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
              (local.set $len (i32.add (local.get $len) (local.get $b)))
              ;; Already past the output: stop before the sum could wrap.
              (if (i32.gt_u (local.get $len) (local.get $cap)) (then (return (i32.const -4))))
              (br_if $more (i32.eq (local.get $b) (i32.const 255))))))
        (if (i32.gt_u (local.get $len) (i32.sub (local.get $iend) (local.get $ip))) (then (return (i32.const -3))))
        (if (i32.gt_u (local.get $len) (i32.sub (local.get $oend) (local.get $op))) (then (return (i32.const -4))))
        (v128.store align=1 (local.get $op) (v128.load align=1 (local.get $ip)))
        (if (i32.gt_u (local.get $len) (i32.const 16))
          (then (call $copy32 (i32.add (local.get $op) (i32.const 16)) (i32.add (local.get $ip) (i32.const 16)) (i32.add (local.get $op) (local.get $len)))))
        (local.set $ip (i32.add (local.get $ip) (local.get $len)))
        (local.set $op (i32.add (local.get $op) (local.get $len)))
        ;; The last sequence: literals only, ending the input.
        (br_if $done (i32.eq (local.get $ip) (local.get $iend)))
        (if (i32.gt_u (local.get $op) (i32.sub (local.get $oend) (i32.const 12))) (then (return (i32.const -5))))

        ;; Match: 16-bit little-endian offset, then length bytes when the low nibble is 15.
        (if (i32.lt_u (i32.sub (local.get $iend) (local.get $ip)) (i32.const 2)) (then (return (i32.const -6))))
        (local.set $dist (i32.load16_u align=1 (local.get $ip)))
        (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
        (if (i32.ge_u (i32.sub (local.get $dist) (i32.const 1)) (i32.sub (local.get $op) (local.get $ostart)))
          (then (return (select (i32.const -7) (i32.const -8) (i32.eqz (local.get $dist))))))
        (local.set $len (i32.add (i32.and (local.get $token) (i32.const 15)) (i32.const 4)))
        (if (i32.eq (local.get $len) (i32.const 19))
          (then
            (loop $more
              (if (i32.ge_u (local.get $ip) (local.get $iend)) (then (return (i32.const -9))))
              (local.set $b (i32.load8_u (local.get $ip)))
              (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
              (local.set $len (i32.add (local.get $len) (local.get $b)))
              (if (i32.gt_u (local.get $len) (local.get $cap)) (then (return (i32.const -10))))
              (br_if $more (i32.eq (local.get $b) (i32.const 255))))))
        ;; op <= oend - 12 here, so oend - 5 - op does not wrap.
        (if (i32.gt_u (local.get $len) (i32.sub (i32.sub (local.get $oend) (i32.const 5)) (local.get $op))) (then (return (i32.const -10))))
        (local.set $end (i32.add (local.get $op) (local.get $len)))
        (if (i32.ge_u (local.get $dist) (i32.const 16))
          (then
            ;; 64 bytes a step (measured ~7% faster than 32 on long matches); the k-th load
            ;; of a step ends at op - dist + 16k + 15 < op + 16k, a byte already written.
            (local.set $b (i32.sub (local.get $op) (local.get $dist)))
            (loop $piece
              (v128.store align=1 (local.get $op) (v128.load align=1 (local.get $b)))
              (v128.store offset=16 align=1 (local.get $op) (v128.load offset=16 align=1 (local.get $b)))
              (v128.store offset=32 align=1 (local.get $op) (v128.load offset=32 align=1 (local.get $b)))
              (v128.store offset=48 align=1 (local.get $op) (v128.load offset=48 align=1 (local.get $b)))
              (local.set $op (i32.add (local.get $op) (i32.const 64)))
              (local.set $b (i32.add (local.get $b) (i32.const 64)))
              (br_if $piece (i32.lt_u (local.get $op) (local.get $end)))))
          (else
            ;; A pattern shorter than 16 bytes: spread it over 16 bytes with a swizzle ...
            (local.set $v
              (i8x16.swizzle
                (v128.load align=1 (i32.sub (local.get $op) (local.get $dist)))
                (v128.load (i32.shl (local.get $dist) (i32.const 4)))))
            (v128.store align=1 (local.get $op) (local.get $v))
            (local.set $op (i32.add (local.get $op) (i32.const 16)))
            (if (i32.lt_u (local.get $op) (local.get $end))
              (then
                (local.set $b (i32.load8_u offset=256 (local.get $dist)))
                (if (i32.eq (local.get $b) (i32.const 16))
                  (then
                    ;; ... and when its length divides 16, store the same vector again ...
                    (loop $piece
                      (v128.store align=1 (local.get $op) (local.get $v))
                      (v128.store offset=16 align=1 (local.get $op) (local.get $v))
                      (v128.store offset=32 align=1 (local.get $op) (local.get $v))
                      (v128.store offset=48 align=1 (local.get $op) (local.get $v))
                      (local.set $op (i32.add (local.get $op) (i32.const 64)))
                      (br_if $piece (i32.lt_u (local.get $op) (local.get $end)))))
                  (else
                    ;; ... else copy from a whole number of patterns, at least 16 bytes, back.
                    (local.set $b (i32.sub (local.get $op) (local.get $b)))
                    (loop $piece
                      (v128.store align=1 (local.get $op) (v128.load align=1 (local.get $b)))
                      (v128.store offset=16 align=1 (local.get $op) (v128.load offset=16 align=1 (local.get $b)))
                      (v128.store offset=32 align=1 (local.get $op) (v128.load offset=32 align=1 (local.get $b)))
                      (v128.store offset=48 align=1 (local.get $op) (v128.load offset=48 align=1 (local.get $b)))
                      (local.set $op (i32.add (local.get $op) (i32.const 64)))
                      (local.set $b (i32.add (local.get $b) (i32.const 64)))
                      (br_if $piece (i32.lt_u (local.get $op) (local.get $end))))))))))
        (local.set $op (local.get $end))
        (br $sequence)))
    (i32.sub (local.get $op) (local.get $ostart)))
)
