;; Pixel-difference kernels (i8x16 / i16x8 / i32x4 SIMD), the WebAssembly twins of errorStats()
;; in error.ts and chromaError() in chroma.ts. Results are identical to the JavaScript:
;;
;; errors: changed pixels, max |d|, sum |d| and sum d² over R, G, B are exact integers in both
;;   implementations (all below 2^53), so any summation order gives the same totals.
;;
;; chroma: works on cb/32 and cr/32 (the JFIF coefficients in millionths are all multiples of
;;   32, so cb and cr are too). Per 4096-pixel block, the same blocks as chroma.ts, the exact
;;   sums of y², (cb/32)², (cr/32)² are accumulated in i64. In JavaScript, chunkCb adds exact
;;   products cb² (multiples of 1024, below 2^63) one pixel at a time in float64; while the
;;   exact block total is below 2^63 every partial sum is a multiple of 1024 below 2^63 and so
;;   representable, so chunkCb equals 1024·Σ(cb/32)² exactly. When a block's total reaches
;;   2^63 (large chroma differences, e.g. unrelated images), that float64 sum rounds, so the
;;   block is redone by $chromaSerial with the very same float64 operations in pixel order.
;;   The luma block sum is below 4096·255000² < 2^53, always exact. The running totals across
;;   blocks are float64 additions in block order, as in chroma.ts.
;;
;; Compiled by scripts/build-wasm.ts into src/metrics/pixels-wasm-module.ts (base64).
;;
;; Memory layout (chosen by the host, see pixels-wasm.ts):
;;   0..63        float64 results, accumulated across calls (the host zeroes them first):
;;                errors: [0] changed [1] max |d| [2] sum |d| [3] sum d²
;;                chroma: [0] sum Y² [1] sum Cb² [2] sum Cr² [3] max |cb/32| [4] max |cr/32|
;;   chunk areas  RGBA pixels of a and b copied in by the host, padded with zero bytes in both
;;                to a multiple of 4 pixels (zero differences contribute nothing).
(module
  (memory (export "memory") 1)

  (global $serialCb (mut f64) (f64.const 0))
  (global $serialCr (mut f64) (f64.const 0))

  ;; Horizontal max of the 16 unsigned bytes of $v.
  (func $maxU8 (param $v v128) (result i32)
    (local.set $v (i8x16.max_u (local.get $v)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (i8x16.max_u (local.get $v)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (local.set $v (i8x16.max_u (local.get $v)
      (i8x16.shuffle 2 3 0 1 2 3 0 1 2 3 0 1 2 3 0 1 (local.get $v) (local.get $v))))
    (local.set $v (i8x16.max_u (local.get $v)
      (i8x16.shuffle 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 (local.get $v) (local.get $v))))
    (i8x16.extract_lane_u 0 (local.get $v)))

  ;; Horizontal max of the 4 signed i32 lanes of $v.
  (func $maxI32 (param $v v128) (result i32)
    (local.set $v (i32x4.max_s (local.get $v)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (i32x4.max_s (local.get $v)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (i32x4.extract_lane 0 (local.get $v)))

  (func $sumI64 (param $v v128) (result i64)
    (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v))))

  ;; Error statistics of $n pixels at $pa and $pb, added to the results at 0..31.
  (func (export "errors") (param $pa i32) (param $pb i32) (param $n i32)
    (local $end i32) (local $blockEnd i32)
    (local $va v128) (local $vb v128) (local $ad v128) (local $lo v128) (local $hi v128)
    (local $mask v128) (local $zero v128)
    (local $vmax v128) (local $cnt v128) (local $abs v128) (local $sq v128)
    (local $cnt64 v128) (local $abs64 v128) (local $sq64 v128)
    (local.set $mask (v128.const i32x4 0x00ffffff 0x00ffffff 0x00ffffff 0x00ffffff))
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $vmax (local.get $zero))
    (local.set $cnt64 (local.get $zero))
    (local.set $abs64 (local.get $zero))
    (local.set $sq64 (local.get $zero))
    ;; whole groups of 4 pixels (the host pads the tail)
    (local.set $end (i32.add (local.get $pa)
      (i32.and (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $pa) (local.get $end)))
        ;; 4096 pixels per block: i32 lanes of sum d² stay below 1024·4·65025 < 2^31
        (local.set $blockEnd (i32.add (local.get $pa) (i32.const 16384)))
        (if (i32.gt_u (local.get $blockEnd) (local.get $end))
          (then (local.set $blockEnd (local.get $end))))
        (local.set $cnt (local.get $zero))
        (local.set $abs (local.get $zero))
        (local.set $sq (local.get $zero))
        (loop $next
          (local.set $va (v128.load (local.get $pa)))
          (local.set $vb (v128.load (local.get $pb)))
          ;; |a - b| per byte, alpha cleared
          (local.set $ad
            (v128.and
              (v128.or (i8x16.sub_sat_u (local.get $va) (local.get $vb))
                       (i8x16.sub_sat_u (local.get $vb) (local.get $va)))
              (local.get $mask)))
          (local.set $vmax (i8x16.max_u (local.get $vmax) (local.get $ad)))
          ;; a changed pixel is a non-zero i32 lane: ne gives -1
          (local.set $cnt (i32x4.sub (local.get $cnt) (i32x4.ne (local.get $ad) (local.get $zero))))
          (local.set $abs (i32x4.add (local.get $abs)
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $ad)))))
          (local.set $lo (i16x8.extend_low_i8x16_u (local.get $ad)))
          (local.set $hi (i16x8.extend_high_i8x16_u (local.get $ad)))
          (local.set $sq (i32x4.add (local.get $sq)
            (i32x4.add (i32x4.dot_i16x8_s (local.get $lo) (local.get $lo))
                       (i32x4.dot_i16x8_s (local.get $hi) (local.get $hi)))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
          (br_if $next (i32.lt_u (local.get $pa) (local.get $blockEnd))))
        (local.set $cnt64 (i64x2.add (local.get $cnt64)
          (i64x2.add (i64x2.extend_low_i32x4_u (local.get $cnt))
                     (i64x2.extend_high_i32x4_u (local.get $cnt)))))
        (local.set $abs64 (i64x2.add (local.get $abs64)
          (i64x2.add (i64x2.extend_low_i32x4_u (local.get $abs))
                     (i64x2.extend_high_i32x4_u (local.get $abs)))))
        (local.set $sq64 (i64x2.add (local.get $sq64)
          (i64x2.add (i64x2.extend_low_i32x4_u (local.get $sq))
                     (i64x2.extend_high_i32x4_u (local.get $sq)))))
        (br $block)))
    ;; totals stay below 2^53, so the float64 results are exact integers
    (f64.store (i32.const 0) (f64.add (f64.load (i32.const 0))
      (f64.convert_i64_u (call $sumI64 (local.get $cnt64)))))
    (f64.store (i32.const 8) (f64.max (f64.load (i32.const 8))
      (f64.convert_i32_u (call $maxU8 (local.get $vmax)))))
    (f64.store (i32.const 16) (f64.add (f64.load (i32.const 16))
      (f64.convert_i64_u (call $sumI64 (local.get $abs64)))))
    (f64.store (i32.const 24) (f64.add (f64.load (i32.const 24))
      (f64.convert_i64_u (call $sumI64 (local.get $sq64))))))

  ;; chroma.ts's float64 chunk sums of cb² and cr², pixel by pixel, same operations and order;
  ;; results in $serialCb and $serialCr.
  (func $chromaSerial (param $pa i32) (param $pb i32) (param $end i32)
    (local $dr i32) (local $dg i32) (local $db i32) (local $c f64)
    (local $sumCb f64) (local $sumCr f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $pa) (local.get $end)))
        (local.set $dr (i32.sub (i32.load8_u (local.get $pa)) (i32.load8_u (local.get $pb))))
        (local.set $dg (i32.sub (i32.load8_u offset=1 (local.get $pa))
                                (i32.load8_u offset=1 (local.get $pb))))
        (local.set $db (i32.sub (i32.load8_u offset=2 (local.get $pa))
                                (i32.load8_u offset=2 (local.get $pb))))
        ;; |cb|, |cr| <= 255e6 < 2^31: exact in i32, as the double expression is in JS
        (local.set $c (f64.convert_i32_s
          (i32.add (i32.sub (i32.mul (local.get $dr) (i32.const -168736))
                            (i32.mul (local.get $dg) (i32.const 331264)))
                   (i32.mul (local.get $db) (i32.const 500000)))))
        (local.set $sumCb (f64.add (local.get $sumCb) (f64.mul (local.get $c) (local.get $c))))
        (local.set $c (f64.convert_i32_s
          (i32.sub (i32.sub (i32.mul (local.get $dr) (i32.const 500000))
                            (i32.mul (local.get $dg) (i32.const 418688)))
                   (i32.mul (local.get $db) (i32.const 81312)))))
        (local.set $sumCr (f64.add (local.get $sumCr) (f64.mul (local.get $c) (local.get $c))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 4)))
        (br $next)))
    (global.set $serialCb (local.get $sumCb))
    (global.set $serialCr (local.get $sumCr)))

  ;; YCbCr error sums of $n pixels at $pa and $pb, added to the results at 0..39. Blocks are
  ;; 4096 pixels from $pa, so the host passes chunks that are whole multiples of 4096 pixels
  ;; (except the last) to keep chroma.ts's chunk boundaries.
  (func (export "chroma") (param $pa i32) (param $pb i32) (param $n i32)
    (local $end i32) (local $blockEnd i32) (local $blockA i32) (local $blockB i32)
    (local $va v128) (local $vb v128) (local $byte v128)
    (local $dr v128) (local $dg v128) (local $db v128)
    (local $y v128) (local $cb v128) (local $cr v128)
    (local $y64 v128) (local $cb64 v128) (local $cr64 v128)
    (local $mcb v128) (local $mcr v128)
    (local $sumY f64) (local $sumCb f64) (local $sumCr f64)
    (local $scb i64) (local $scr i64)
    (local.set $byte (v128.const i32x4 0xff 0xff 0xff 0xff))
    (local.set $mcb (v128.const i32x4 0 0 0 0))
    (local.set $mcr (v128.const i32x4 0 0 0 0))
    (local.set $sumY (f64.load (i32.const 0)))
    (local.set $sumCb (f64.load (i32.const 8)))
    (local.set $sumCr (f64.load (i32.const 16)))
    (local.set $end (i32.add (local.get $pa)
      (i32.and (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $pa) (local.get $end)))
        (local.set $blockA (local.get $pa))
        (local.set $blockB (local.get $pb))
        (local.set $blockEnd (i32.add (local.get $pa) (i32.const 16384)))
        (if (i32.gt_u (local.get $blockEnd) (local.get $end))
          (then (local.set $blockEnd (local.get $end))))
        (local.set $y64 (v128.const i64x2 0 0))
        (local.set $cb64 (v128.const i64x2 0 0))
        (local.set $cr64 (v128.const i64x2 0 0))
        (loop $next
          (local.set $va (v128.load (local.get $pa)))
          (local.set $vb (v128.load (local.get $pb)))
          (local.set $dr (i32x4.sub (v128.and (local.get $va) (local.get $byte))
                                    (v128.and (local.get $vb) (local.get $byte))))
          (local.set $dg (i32x4.sub
            (v128.and (i32x4.shr_u (local.get $va) (i32.const 8)) (local.get $byte))
            (v128.and (i32x4.shr_u (local.get $vb) (i32.const 8)) (local.get $byte))))
          (local.set $db (i32x4.sub
            (v128.and (i32x4.shr_u (local.get $va) (i32.const 16)) (local.get $byte))
            (v128.and (i32x4.shr_u (local.get $vb) (i32.const 16)) (local.get $byte))))
          (local.set $y (i32x4.add (i32x4.add
            (i32x4.mul (local.get $dr) (v128.const i32x4 299 299 299 299))
            (i32x4.mul (local.get $dg) (v128.const i32x4 587 587 587 587)))
            (i32x4.mul (local.get $db) (v128.const i32x4 114 114 114 114))))
          ;; cb/32 and cr/32
          (local.set $cb (i32x4.add (i32x4.add
            (i32x4.mul (local.get $dr) (v128.const i32x4 -5273 -5273 -5273 -5273))
            (i32x4.mul (local.get $dg) (v128.const i32x4 -10352 -10352 -10352 -10352)))
            (i32x4.mul (local.get $db) (v128.const i32x4 15625 15625 15625 15625))))
          (local.set $cr (i32x4.add (i32x4.add
            (i32x4.mul (local.get $dr) (v128.const i32x4 15625 15625 15625 15625))
            (i32x4.mul (local.get $dg) (v128.const i32x4 -13084 -13084 -13084 -13084)))
            (i32x4.mul (local.get $db) (v128.const i32x4 -2541 -2541 -2541 -2541))))
          (local.set $y64 (i64x2.add (local.get $y64)
            (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $y) (local.get $y))
                       (i64x2.extmul_high_i32x4_s (local.get $y) (local.get $y)))))
          (local.set $cb64 (i64x2.add (local.get $cb64)
            (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $cb) (local.get $cb))
                       (i64x2.extmul_high_i32x4_s (local.get $cb) (local.get $cb)))))
          (local.set $cr64 (i64x2.add (local.get $cr64)
            (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $cr) (local.get $cr))
                       (i64x2.extmul_high_i32x4_s (local.get $cr) (local.get $cr)))))
          (local.set $mcb (i32x4.max_s (local.get $mcb) (i32x4.abs (local.get $cb))))
          (local.set $mcr (i32x4.max_s (local.get $mcr) (i32x4.abs (local.get $cr))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
          (br_if $next (i32.lt_u (local.get $pa) (local.get $blockEnd))))
        ;; luma: below 2^53, exact
        (local.set $sumY (f64.add (local.get $sumY)
          (f64.convert_i64_s (call $sumI64 (local.get $y64)))))
        (local.set $scb (call $sumI64 (local.get $cb64)))
        (local.set $scr (call $sumI64 (local.get $cr64)))
        (if (i32.or (i64.ge_u (local.get $scb) (i64.const 0x20000000000000))
                    (i64.ge_u (local.get $scr) (i64.const 0x20000000000000)))
          (then
            (call $chromaSerial (local.get $blockA) (local.get $blockB) (local.get $blockEnd))
            (local.set $sumCb (f64.add (local.get $sumCb) (global.get $serialCb)))
            (local.set $sumCr (f64.add (local.get $sumCr) (global.get $serialCr))))
          (else
            ;; 1024·s < 2^63 is a float64, and equals chroma.ts's exact chunk sum
            (local.set $sumCb (f64.add (local.get $sumCb)
              (f64.mul (f64.convert_i64_s (local.get $scb)) (f64.const 1024))))
            (local.set $sumCr (f64.add (local.get $sumCr)
              (f64.mul (f64.convert_i64_s (local.get $scr)) (f64.const 1024))))))
        (br $block)))
    (f64.store (i32.const 0) (local.get $sumY))
    (f64.store (i32.const 8) (local.get $sumCb))
    (f64.store (i32.const 16) (local.get $sumCr))
    (f64.store (i32.const 24) (f64.max (f64.load (i32.const 24))
      (f64.convert_i32_s (call $maxI32 (local.get $mcb)))))
    (f64.store (i32.const 32) (f64.max (f64.load (i32.const 32))
      (f64.convert_i32_s (call $maxI32 (local.get $mcr)))))))
