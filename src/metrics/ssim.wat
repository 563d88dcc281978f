;; Streaming SSIM kernel (f64x2 SIMD), the WebAssembly twin of ssim() in ssim.ts.
;;
;; Every per-pixel quantity is computed with exactly the same float64 operations, in the same
;; order, as the JavaScript implementation (wasm has no implicit FMA), so the SSIM map is
;; bit-identical; the per-row map sum is also added lane 0 then lane 1, left to right, so the
;; final mean is bit-identical too.
;;
;; Compiled by scripts/build-wasm.ts into src/metrics/ssim-wasm-module.ts (base64).
;;
;; Memory layout (byte offsets chosen by the host, see ssim-wasm.ts):
;;   0..63          constants: W0..W5 (f64, W0 = centre weight), C1, C2
;;   $lx $ly $lss $lxy   per-input-row luma / products, width + 2 f64 each (padding for the
;;                       odd-width tail, which computes one throw-away lane)
;;   $ring          11 slots of $stride bytes; a slot holds the horizontally filtered row,
;;                  interleaved per output pair: [x0 x1 | y0 y1 | ss0 ss1 | xy0 xy1] = 64 bytes
;;   chunk areas    RGBA rows of a and b copied in by the host (8 bytes of slack after each)
(module
  (memory (export "memory") 1)

  (global $width (mut i32) (i32.const 0))
  (global $ow (mut i32) (i32.const 0))
  (global $stride (mut i32) (i32.const 0))
  (global $lx (mut i32) (i32.const 0))
  (global $ly (mut i32) (i32.const 0))
  (global $lss (mut i32) (i32.const 0))
  (global $lxy (mut i32) (i32.const 0))
  (global $ring (mut i32) (i32.const 0))
  (global $total (mut f64) (f64.const 0))

  ;; Configure for one image pair and reset the running total.
  (func (export "setup")
    (param $width i32) (param $ow i32) (param $stride i32)
    (param $lx i32) (param $ly i32) (param $lss i32) (param $lxy i32) (param $ring i32)
    (global.set $width (local.get $width))
    (global.set $ow (local.get $ow))
    (global.set $stride (local.get $stride))
    (global.set $lx (local.get $lx))
    (global.set $ly (local.get $ly))
    (global.set $lss (local.get $lss))
    (global.set $lxy (local.get $lxy))
    (global.set $ring (local.get $ring))
    (global.set $total (f64.const 0)))

  (func (export "total") (result f64) (global.get $total))

  ;; Luma of one RGBA row of each image (two pixels per step) and the per-pixel products.
  (func $luma (param $pa i32) (param $pb i32)
    (local $j i32) (local $end i32) (local $va v128) (local $vb v128)
    (local $x v128) (local $y v128)
    (local $kr v128) (local $kg v128) (local $kb v128)
    (local.set $kr (f64x2.splat (f64.const 0.299)))
    (local.set $kg (f64x2.splat (f64.const 0.587)))
    (local.set $kb (f64x2.splat (f64.const 0.114)))
    (local.set $end (i32.shl (global.get $width) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $va (v128.load64_zero (local.get $pa)))
        (local.set $vb (v128.load64_zero (local.get $pb)))
        ;; x = (0.299 r + 0.587 g) + 0.114 b, lanes = pixels j, j+1
        (local.set $x
          (f64x2.add
            (f64x2.add
              (f64x2.mul (local.get $kr)
                (f64x2.convert_low_i32x4_u
                  (i8x16.swizzle (local.get $va)
                    (v128.const i8x16 0 128 128 128 4 128 128 128 128 128 128 128 128 128 128 128))))
              (f64x2.mul (local.get $kg)
                (f64x2.convert_low_i32x4_u
                  (i8x16.swizzle (local.get $va)
                    (v128.const i8x16 1 128 128 128 5 128 128 128 128 128 128 128 128 128 128 128)))))
            (f64x2.mul (local.get $kb)
              (f64x2.convert_low_i32x4_u
                (i8x16.swizzle (local.get $va)
                  (v128.const i8x16 2 128 128 128 6 128 128 128 128 128 128 128 128 128 128 128))))))
        (local.set $y
          (f64x2.add
            (f64x2.add
              (f64x2.mul (local.get $kr)
                (f64x2.convert_low_i32x4_u
                  (i8x16.swizzle (local.get $vb)
                    (v128.const i8x16 0 128 128 128 4 128 128 128 128 128 128 128 128 128 128 128))))
              (f64x2.mul (local.get $kg)
                (f64x2.convert_low_i32x4_u
                  (i8x16.swizzle (local.get $vb)
                    (v128.const i8x16 1 128 128 128 5 128 128 128 128 128 128 128 128 128 128 128)))))
            (f64x2.mul (local.get $kb)
              (f64x2.convert_low_i32x4_u
                (i8x16.swizzle (local.get $vb)
                  (v128.const i8x16 2 128 128 128 6 128 128 128 128 128 128 128 128 128 128 128))))))
        (v128.store (i32.add (global.get $lx) (local.get $j)) (local.get $x))
        (v128.store (i32.add (global.get $ly) (local.get $j)) (local.get $y))
        (v128.store (i32.add (global.get $lss) (local.get $j))
          (f64x2.add (f64x2.mul (local.get $x) (local.get $x))
                     (f64x2.mul (local.get $y) (local.get $y))))
        (v128.store (i32.add (global.get $lxy) (local.get $j))
          (f64x2.mul (local.get $x) (local.get $y)))
        (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next))))

  ;; Symmetric 11-tap filter of $src (valid positions, two outputs per step) into the
  ;; interleaved ring slot: output pair k goes to $dst + 64 k.
  (func $horizontal (param $src i32) (param $dst i32)
    (local $end i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128)
    (local $w3 v128) (local $w4 v128) (local $w5 v128)
    (local.set $w0 (v128.load64_splat (i32.const 0)))
    (local.set $w1 (v128.load64_splat (i32.const 8)))
    (local.set $w2 (v128.load64_splat (i32.const 16)))
    (local.set $w3 (v128.load64_splat (i32.const 24)))
    (local.set $w4 (v128.load64_splat (i32.const 32)))
    (local.set $w5 (v128.load64_splat (i32.const 40)))
    (local.set $end (i32.add (local.get $src) (i32.shl (global.get $ow) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        ;; centre c = i + 5 is at byte offset 40 from $src
        (v128.store (local.get $dst)
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $w0) (v128.load offset=40 align=8 (local.get $src)))
                    (f64x2.mul (local.get $w1)
                      (f64x2.add (v128.load offset=32 align=8 (local.get $src))
                                 (v128.load offset=48 align=8 (local.get $src)))))
                  (f64x2.mul (local.get $w2)
                    (f64x2.add (v128.load offset=24 align=8 (local.get $src))
                               (v128.load offset=56 align=8 (local.get $src)))))
                (f64x2.mul (local.get $w3)
                  (f64x2.add (v128.load offset=16 align=8 (local.get $src))
                             (v128.load offset=64 align=8 (local.get $src)))))
              (f64x2.mul (local.get $w4)
                (f64x2.add (v128.load offset=8 align=8 (local.get $src))
                           (v128.load offset=72 align=8 (local.get $src)))))
            (f64x2.mul (local.get $w5)
              (f64x2.add (v128.load align=8 (local.get $src))
                         (v128.load offset=80 align=8 (local.get $src))))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (br $next))))

  ;; Address of ring slot (r mod 11).
  (func $slot (param $r i32) (result i32)
    (i32.add (global.get $ring)
      (i32.mul (i32.rem_u (local.get $r) (i32.const 11)) (global.get $stride))))

  ;; Vertical filter centred on input row $centre, then the SSIM map summed along the row.
  (func $vertical (param $centre i32) (result f64)
    (local $o0 i32) (local $m1 i32) (local $p1 i32) (local $m2 i32) (local $p2 i32)
    (local $m3 i32) (local $p3 i32) (local $m4 i32) (local $p4 i32) (local $m5 i32)
    (local $p5 i32)
    (local $j i32) (local $end i32) (local $last i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128)
    (local $w3 v128) (local $w4 v128) (local $w5 v128)
    (local $c1 v128) (local $c2 v128) (local $two v128)
    (local $ux v128) (local $uy v128) (local $ess v128) (local $exy v128)
    (local $uxx v128) (local $uyy v128) (local $uxy v128) (local $s v128)
    (local $sum f64)
    (local.set $w0 (v128.load64_splat (i32.const 0)))
    (local.set $w1 (v128.load64_splat (i32.const 8)))
    (local.set $w2 (v128.load64_splat (i32.const 16)))
    (local.set $w3 (v128.load64_splat (i32.const 24)))
    (local.set $w4 (v128.load64_splat (i32.const 32)))
    (local.set $w5 (v128.load64_splat (i32.const 40)))
    (local.set $c1 (v128.load64_splat (i32.const 48)))
    (local.set $c2 (v128.load64_splat (i32.const 56)))
    (local.set $two (f64x2.splat (f64.const 2)))
    (local.set $o0 (call $slot (local.get $centre)))
    (local.set $m1 (call $slot (i32.sub (local.get $centre) (i32.const 1))))
    (local.set $p1 (call $slot (i32.add (local.get $centre) (i32.const 1))))
    (local.set $m2 (call $slot (i32.sub (local.get $centre) (i32.const 2))))
    (local.set $p2 (call $slot (i32.add (local.get $centre) (i32.const 2))))
    (local.set $m3 (call $slot (i32.sub (local.get $centre) (i32.const 3))))
    (local.set $p3 (call $slot (i32.add (local.get $centre) (i32.const 3))))
    (local.set $m4 (call $slot (i32.sub (local.get $centre) (i32.const 4))))
    (local.set $p4 (call $slot (i32.add (local.get $centre) (i32.const 4))))
    (local.set $m5 (call $slot (i32.sub (local.get $centre) (i32.const 5))))
    (local.set $p5 (call $slot (i32.add (local.get $centre) (i32.const 5))))
    ;; whole pairs cover [0, $last); an odd tail is one more pair using lane 0 only
    (local.set $last (i32.shl (i32.shr_u (global.get $ow) (i32.const 1)) (i32.const 6)))
    (local.set $end (i32.shl (i32.shr_u (i32.add (global.get $ow) (i32.const 1)) (i32.const 1))
                             (i32.const 6)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $ux
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $w0) (v128.load (i32.add (local.get $o0) (local.get $j))))
                    (f64x2.mul (local.get $w1)
                      (f64x2.add (v128.load (i32.add (local.get $m1) (local.get $j)))
                                 (v128.load (i32.add (local.get $p1) (local.get $j))))))
                  (f64x2.mul (local.get $w2)
                    (f64x2.add (v128.load (i32.add (local.get $m2) (local.get $j)))
                               (v128.load (i32.add (local.get $p2) (local.get $j))))))
                (f64x2.mul (local.get $w3)
                  (f64x2.add (v128.load (i32.add (local.get $m3) (local.get $j)))
                             (v128.load (i32.add (local.get $p3) (local.get $j))))))
              (f64x2.mul (local.get $w4)
                (f64x2.add (v128.load (i32.add (local.get $m4) (local.get $j)))
                           (v128.load (i32.add (local.get $p4) (local.get $j))))))
            (f64x2.mul (local.get $w5)
              (f64x2.add (v128.load (i32.add (local.get $m5) (local.get $j)))
                         (v128.load (i32.add (local.get $p5) (local.get $j)))))))
        (local.set $uy
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $w0) (v128.load offset=16 (i32.add (local.get $o0) (local.get $j))))
                    (f64x2.mul (local.get $w1)
                      (f64x2.add (v128.load offset=16 (i32.add (local.get $m1) (local.get $j)))
                                 (v128.load offset=16 (i32.add (local.get $p1) (local.get $j))))))
                  (f64x2.mul (local.get $w2)
                    (f64x2.add (v128.load offset=16 (i32.add (local.get $m2) (local.get $j)))
                               (v128.load offset=16 (i32.add (local.get $p2) (local.get $j))))))
                (f64x2.mul (local.get $w3)
                  (f64x2.add (v128.load offset=16 (i32.add (local.get $m3) (local.get $j)))
                             (v128.load offset=16 (i32.add (local.get $p3) (local.get $j))))))
              (f64x2.mul (local.get $w4)
                (f64x2.add (v128.load offset=16 (i32.add (local.get $m4) (local.get $j)))
                           (v128.load offset=16 (i32.add (local.get $p4) (local.get $j))))))
            (f64x2.mul (local.get $w5)
              (f64x2.add (v128.load offset=16 (i32.add (local.get $m5) (local.get $j)))
                         (v128.load offset=16 (i32.add (local.get $p5) (local.get $j)))))))
        (local.set $ess
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $w0) (v128.load offset=32 (i32.add (local.get $o0) (local.get $j))))
                    (f64x2.mul (local.get $w1)
                      (f64x2.add (v128.load offset=32 (i32.add (local.get $m1) (local.get $j)))
                                 (v128.load offset=32 (i32.add (local.get $p1) (local.get $j))))))
                  (f64x2.mul (local.get $w2)
                    (f64x2.add (v128.load offset=32 (i32.add (local.get $m2) (local.get $j)))
                               (v128.load offset=32 (i32.add (local.get $p2) (local.get $j))))))
                (f64x2.mul (local.get $w3)
                  (f64x2.add (v128.load offset=32 (i32.add (local.get $m3) (local.get $j)))
                             (v128.load offset=32 (i32.add (local.get $p3) (local.get $j))))))
              (f64x2.mul (local.get $w4)
                (f64x2.add (v128.load offset=32 (i32.add (local.get $m4) (local.get $j)))
                           (v128.load offset=32 (i32.add (local.get $p4) (local.get $j))))))
            (f64x2.mul (local.get $w5)
              (f64x2.add (v128.load offset=32 (i32.add (local.get $m5) (local.get $j)))
                         (v128.load offset=32 (i32.add (local.get $p5) (local.get $j)))))))
        (local.set $exy
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $w0) (v128.load offset=48 (i32.add (local.get $o0) (local.get $j))))
                    (f64x2.mul (local.get $w1)
                      (f64x2.add (v128.load offset=48 (i32.add (local.get $m1) (local.get $j)))
                                 (v128.load offset=48 (i32.add (local.get $p1) (local.get $j))))))
                  (f64x2.mul (local.get $w2)
                    (f64x2.add (v128.load offset=48 (i32.add (local.get $m2) (local.get $j)))
                               (v128.load offset=48 (i32.add (local.get $p2) (local.get $j))))))
                (f64x2.mul (local.get $w3)
                  (f64x2.add (v128.load offset=48 (i32.add (local.get $m3) (local.get $j)))
                             (v128.load offset=48 (i32.add (local.get $p3) (local.get $j))))))
              (f64x2.mul (local.get $w4)
                (f64x2.add (v128.load offset=48 (i32.add (local.get $m4) (local.get $j)))
                           (v128.load offset=48 (i32.add (local.get $p4) (local.get $j))))))
            (f64x2.mul (local.get $w5)
              (f64x2.add (v128.load offset=48 (i32.add (local.get $m5) (local.get $j)))
                         (v128.load offset=48 (i32.add (local.get $p5) (local.get $j)))))))
        (local.set $uxx (f64x2.mul (local.get $ux) (local.get $ux)))
        (local.set $uyy (f64x2.mul (local.get $uy) (local.get $uy)))
        (local.set $uxy (f64x2.mul (local.get $ux) (local.get $uy)))
        ;; ((2 uxy + C1)(2 (exy - uxy) + C2)) / ((uxx + uyy + C1)(ess - uxx - uyy + C2))
        (local.set $s
          (f64x2.div
            (f64x2.mul
              (f64x2.add (f64x2.mul (local.get $two) (local.get $uxy)) (local.get $c1))
              (f64x2.add
                (f64x2.mul (local.get $two) (f64x2.sub (local.get $exy) (local.get $uxy)))
                (local.get $c2)))
            (f64x2.mul
              (f64x2.add (f64x2.add (local.get $uxx) (local.get $uyy)) (local.get $c1))
              (f64x2.add
                (f64x2.sub (f64x2.sub (local.get $ess) (local.get $uxx)) (local.get $uyy))
                (local.get $c2)))))
        (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $s))))
        (if (i32.lt_u (local.get $j) (local.get $last))
          (then
            (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 1 (local.get $s))))))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $next)))
    (local.get $sum))

  ;; Process input rows $row0 .. $row0 + $n - 1, whose RGBA data the host copied to $pa / $pb.
  (func (export "rows") (param $pa i32) (param $pb i32) (param $row0 i32) (param $n i32)
    (local $row i32) (local $end i32) (local $rowBytes i32) (local $dst i32)
    (local.set $rowBytes (i32.shl (global.get $width) (i32.const 2)))
    (local.set $row (local.get $row0))
    (local.set $end (i32.add (local.get $row0) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (call $luma (local.get $pa) (local.get $pb))
        (local.set $dst (call $slot (local.get $row)))
        (call $horizontal (global.get $lx) (local.get $dst))
        (call $horizontal (global.get $ly) (i32.add (local.get $dst) (i32.const 16)))
        (call $horizontal (global.get $lss) (i32.add (local.get $dst) (i32.const 32)))
        (call $horizontal (global.get $lxy) (i32.add (local.get $dst) (i32.const 48)))
        (if (i32.ge_u (local.get $row) (i32.const 10))
          (then
            (global.set $total
              (f64.add (global.get $total)
                (call $vertical (i32.sub (local.get $row) (i32.const 5)))))))
        (local.set $pa (i32.add (local.get $pa) (local.get $rowBytes)))
        (local.set $pb (i32.add (local.get $pb) (local.get $rowBytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $next))))
)
