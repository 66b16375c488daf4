package dev.tdi.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API product: cache-blocked, packed, register-tiled (the Goto/BLIS layout).
 *
 * <p>Loops, outermost first: columns in blocks of {@link #NC}, the sum index k in balanced blocks of at most
 * {@link #KC_MAX} (B's block is packed once into strips of {@link #NR} columns, k-major, zero-padded, so a strip
 * (at most KC_MAX x NR floats, 36 KiB on AVX-512) stays in L1), rows in blocks of {@link #MC} (A's block is
 * packed into strips of {@link #MR} rows, k-major, so the broadcasts read consecutive floats), then one
 * {@code MR x NR} register tile per (row strip, column strip): MR x NR/L accumulators, NR/L vector loads and MR
 * broadcasts per k. Each k block's tile sum is added to C in a fixed order, so the result depends only on the
 * sizes and the vector width.
 *
 * <p>Tile: 4 rows x 3 vectors (12 accumulators; 3 loads and 4 broadcasts per 12 FMAs) where the species has 16
 * lanes or more (AVX-512: 32 vector registers), 4 rows x 2 vectors (8 accumulators) where it has fewer (AVX2: 16
 * registers). An 8 x 2 tile (16 accumulators) measured 10-60 % slower on the U-Net's shapes (AMD EPYC family 25,
 * C2 of JDK 25).
 * A last strip of fewer vectors uses the 4 x 2 or 4 x 1 tile, a last partial vector a scalar add.
 * {@link #gemmRows} is the same loop nest with B read in place through a row-offset table (the implicit GEMM of a
 * convolution). The width is the JVM's preferred species, or {@code -Dtdi.gemm.bits=256} (for example) to run the narrower code
 * on a wider machine.
 */
final class VectorGemm implements GemmKernel {
    static final VectorSpecies<Float> S = species();
    static final int L = S.length();
    /** Rows per register tile. */
    static final int MR = 4;
    /** Vectors per register tile row: 3 with 32 vector registers (16 lanes: AVX-512), 2 with 16 (AVX2). */
    static final int NV = L >= 16 ? 3 : 2;
    /** Columns per register tile. */
    static final int NR = NV * L;
    /** Largest k block: a packed B strip of KC_MAX x NR floats fits a 48 KiB L1 (AVX-512). */
    static final int KC_MAX = 192;
    /** Rows per packed A block (KC_MAX x MC floats, 48 KiB: L2), a multiple of MR. */
    static final int MC = 64;
    /** Columns per packed B block (KC_MAX x NC floats, about 1 MiB: L2 / L3). */
    static final int NC = NR * (1536 / NR);

    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][]{new float[MC * KC_MAX], new float[NC * KC_MAX]});

    private static VectorSpecies<Float> species() {
        String bits = System.getProperty("tdi.gemm.bits");
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        int b;
        try {
            b = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dtdi.gemm.bits=" + bits + ": not a number; accepted: 128, 256, 512"
                    + " (at most this machine's " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + ")");
        }
        if ((b != 128 && b != 256 && b != 512) || b > FloatVector.SPECIES_PREFERRED.vectorBitSize()) {
            throw new IllegalArgumentException("-Dtdi.gemm.bits=" + bits + ": accepted 128, 256 or 512, at most"
                    + " this machine's " + FloatVector.SPECIES_PREFERRED.vectorBitSize());
        }
        return FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(b));
    }

    /** Lanes of the species in use (the provider's "wide enough" test). */
    static int lanes() {
        return L;
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize() + " (" + MR + "x" + NR + " tile)";
    }

    @Override
    public void gemm(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int bo, int bks, int bns,
                     float[] c, int co, int ldc) {
        Gemm.checkBounds(M, N, K, a, ao, ams, aks, b, bo, bks, bns, c, co, ldc);
        if (M == 0 || N == 0 || K == 0) {
            return;
        }
        float[][] buf = BUFFERS.get();
        float[] ap = buf[0];
        // B rows that are contiguous are read in place (no packing: with the U-Net's few output channels a packed
        // B strip would be used by only 4-16 row tiles, and copying it cost as much as the products). The tiles
        // read whole vectors past the last column; those lanes never reach C, so only the array end matters.
        boolean direct = bns == 1 && bo + (long) (K - 1) * bks + (N + L - 1) / L * L <= b.length;
        float[] bp = direct ? b : buf[1];
        int kBlocks = (K + KC_MAX - 1) / KC_MAX;
        int kcStep = (K + kBlocks - 1) / kBlocks;
        for (int jc = 0; jc < N; jc += NC) {
            int nc = Math.min(NC, N - jc);
            for (int pc = 0; pc < K; pc += kcStep) {
                int kc = Math.min(kcStep, K - pc);
                if (!direct) {
                    packB(kc, nc, b, bo + pc * bks + jc * bns, bks, bns, bp);
                }
                for (int ic = 0; ic < M; ic += MC) {
                    int mc = Math.min(MC, M - ic);
                    packA(mc, kc, a, ao + ic * ams + pc * aks, ams, aks, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        int bOff = direct ? bo + pc * bks + jc + jr : jr * kc;
                        int bs = direct ? bks : (cols + L - 1) / L * L;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            tile(kc, ap, ir * kc, bp, bOff, bs, c, co + (ic + ir) * ldc + jc + jr, ldc, rows,
                                    cols);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void gemmRows(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int[] bRows,
                         float[] c, int co, int ldc) {
        Gemm.checkRows(M, N, K, a, ao, ams, aks, b, bRows, c, co, ldc);
        if (M == 0 || N == 0 || K == 0) {
            return;
        }
        float[] ap = BUFFERS.get()[0];
        int kBlocks = (K + KC_MAX - 1) / KC_MAX;
        int kcStep = (K + kBlocks - 1) / kBlocks;
        for (int jc = 0; jc < N; jc += NC) {
            int nc = Math.min(NC, N - jc);
            for (int pc = 0; pc < K; pc += kcStep) {
                int kc = Math.min(kcStep, K - pc);
                for (int ic = 0; ic < M; ic += MC) {
                    int mc = Math.min(MC, M - ic);
                    packA(mc, kc, a, ao + ic * ams + pc * aks, ams, aks, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr), nv = (cols + L - 1) / L;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir), ci = co + (ic + ir) * ldc + jc + jr;
                            if (nv == 3) {
                                tileRows4x3(kc, ap, ir * kc, b, bRows, pc, jc + jr, c, ci, ldc, rows, cols);
                            } else if (nv == 2) {
                                tileRows4x2(kc, ap, ir * kc, b, bRows, pc, jc + jr, c, ci, ldc, rows, cols);
                            } else {
                                tileRows4x1(kc, ap, ir * kc, b, bRows, pc, jc + jr, c, ci, ldc, rows, cols);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Packs kc x nc of B into strips of NR columns (a strip of w columns has row stride roundUp(w, L)). */
    private static void packB(int kc, int nc, float[] b, int bo, int bks, int bns, float[] bp) {
        for (int j0 = 0; j0 < nc; j0 += NR) {
            int w = Math.min(NR, nc - j0), sw = (w + L - 1) / L * L, off = j0 * kc;
            int src = bo + j0 * bns;
            if (bns == 1) {
                for (int k = 0; k < kc; k++) {
                    System.arraycopy(b, src + k * bks, bp, off + k * sw, w);
                }
            } else {
                // B^T stored (bks == 1 in the U-Net): read along k, write across the strip
                for (int n = 0; n < w; n++) {
                    int s = src + n * bns;
                    for (int k = 0, d = off + n; k < kc; k++, d += sw) {
                        bp[d] = b[s + k * bks];
                    }
                }
            }
            if (w < sw) {
                for (int k = 0; k < kc; k++) {
                    java.util.Arrays.fill(bp, off + k * sw + w, off + (k + 1) * sw, 0f);
                }
            }
        }
    }

    /** Packs mc x kc of A into strips of MR rows, k-major (ap[strip*kc*MR + k*MR + r]), zero-padded rows. */
    private static void packA(int mc, int kc, float[] a, int ao, int ams, int aks, float[] ap) {
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int rows = Math.min(MR, mc - i0), off = i0 * kc;
            for (int r = 0; r < MR; r++) {
                if (r < rows) {
                    int s = ao + (i0 + r) * ams;
                    for (int k = 0, d = off + r; k < kc; k++, d += MR) {
                        ap[d] = a[s + k * aks];
                    }
                } else {
                    for (int k = 0, d = off + r; k < kc; k++, d += MR) {
                        ap[d] = 0f;
                    }
                }
            }
        }
    }

    /** One register tile over kc; B(k, j) = bp[bOff + k*bs + j] (packed strip or B itself). */
    private static void tile(int kc, float[] ap, int aOff, float[] bp, int bOff, int bs, float[] c, int ci, int ldc,
                             int rows, int cols) {
        int nv = (cols + L - 1) / L;
        if (nv == 3) {
            tile4x3(kc, ap, aOff, bp, bOff, bs, c, ci, ldc, rows, cols);
        } else if (nv == 2) {
            tile4x2(kc, ap, aOff, bp, bOff, bs, c, ci, ldc, rows, cols);
        } else {
            tile4x1(kc, ap, aOff, bp, bOff, bs, c, ci, ldc, rows, cols);
        }
    }

    private static void tile4x3(int kc, float[] ap, int aOff, float[] bp, int bOff, int bs, float[] c, int ci,
                                int ldc, int rows, int cols) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00;
        FloatVector c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int k = 0, bi = bOff, ai = aOff; k < kc; k++, bi += bs, ai += 4) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
        }
        int last = cols - 2 * L;
        add(c, ci, c00, L);
        add(c, ci + L, c01, L);
        add(c, ci + 2 * L, c02, last);
        if (rows > 1) {
            add(c, ci + ldc, c10, L);
            add(c, ci + ldc + L, c11, L);
            add(c, ci + ldc + 2 * L, c12, last);
        }
        if (rows > 2) {
            add(c, ci + 2 * ldc, c20, L);
            add(c, ci + 2 * ldc + L, c21, L);
            add(c, ci + 2 * ldc + 2 * L, c22, last);
        }
        if (rows > 3) {
            add(c, ci + 3 * ldc, c30, L);
            add(c, ci + 3 * ldc + L, c31, L);
            add(c, ci + 3 * ldc + 2 * L, c32, last);
        }
    }
    private static void tile4x2(int kc, float[] ap, int aOff, float[] bp, int bOff, int bs, float[] c, int ci,
                                int ldc, int rows, int cols) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00;
        for (int k = 0, bi = bOff, ai = aOff; k < kc; k++, bi += bs, ai += 4) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
        }
        int last = cols - L;
        add(c, ci, c00, L);
        add(c, ci + L, c01, last);
        if (rows > 1) {
            add(c, ci + ldc, c10, L);
            add(c, ci + ldc + L, c11, last);
        }
        if (rows > 2) {
            add(c, ci + 2 * ldc, c20, L);
            add(c, ci + 2 * ldc + L, c21, last);
        }
        if (rows > 3) {
            add(c, ci + 3 * ldc, c30, L);
            add(c, ci + 3 * ldc + L, c31, last);
        }
    }
    private static void tile4x1(int kc, float[] ap, int aOff, float[] bp, int bOff, int bs, float[] c, int ci,
                                int ldc, int rows, int cols) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = c00, c20 = c00, c30 = c00;
        for (int k = 0, bi = bOff, ai = aOff; k < kc; k++, bi += bs, ai += 4) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
        }
        int last = cols;
        add(c, ci, c00, last);
        if (rows > 1) {
            add(c, ci + ldc, c10, last);
        }
        if (rows > 2) {
            add(c, ci + 2 * ldc, c20, last);
        }
        if (rows > 3) {
            add(c, ci + 3 * ldc, c30, last);
        }
    }
    private static void tileRows4x3(int kc, float[] ap, int aOff, float[] b, int[] rows, int k0, int col,
                                    float[] c, int ci, int ldc, int nrows, int cols) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00;
        FloatVector c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int k = 0, ai = aOff; k < kc; k++, ai += 4) {
            int bi = rows[k0 + k] + col;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
        }
        int last = cols - 2 * L;
        add(c, ci, c00, L);
        add(c, ci + L, c01, L);
        add(c, ci + 2 * L, c02, last);
        if (nrows > 1) {
            add(c, ci + ldc, c10, L);
            add(c, ci + ldc + L, c11, L);
            add(c, ci + ldc + 2 * L, c12, last);
        }
        if (nrows > 2) {
            add(c, ci + 2 * ldc, c20, L);
            add(c, ci + 2 * ldc + L, c21, L);
            add(c, ci + 2 * ldc + 2 * L, c22, last);
        }
        if (nrows > 3) {
            add(c, ci + 3 * ldc, c30, L);
            add(c, ci + 3 * ldc + L, c31, L);
            add(c, ci + 3 * ldc + 2 * L, c32, last);
        }
    }
    private static void tileRows4x2(int kc, float[] ap, int aOff, float[] b, int[] rows, int k0, int col,
                                    float[] c, int ci, int ldc, int nrows, int cols) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00;
        for (int k = 0, ai = aOff; k < kc; k++, ai += 4) {
            int bi = rows[k0 + k] + col;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
        }
        int last = cols - L;
        add(c, ci, c00, L);
        add(c, ci + L, c01, last);
        if (nrows > 1) {
            add(c, ci + ldc, c10, L);
            add(c, ci + ldc + L, c11, last);
        }
        if (nrows > 2) {
            add(c, ci + 2 * ldc, c20, L);
            add(c, ci + 2 * ldc + L, c21, last);
        }
        if (nrows > 3) {
            add(c, ci + 3 * ldc, c30, L);
            add(c, ci + 3 * ldc + L, c31, last);
        }
    }
    private static void tileRows4x1(int kc, float[] ap, int aOff, float[] b, int[] rows, int k0, int col,
                                    float[] c, int ci, int ldc, int nrows, int cols) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = c00, c20 = c00, c30 = c00;
        for (int k = 0, ai = aOff; k < kc; k++, ai += 4) {
            int bi = rows[k0 + k] + col;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
        }
        int last = cols;
        add(c, ci, c00, last);
        if (nrows > 1) {
            add(c, ci + ldc, c10, last);
        }
        if (nrows > 2) {
            add(c, ci + 2 * ldc, c20, last);
        }
        if (nrows > 3) {
            add(c, ci + 3 * ldc, c30, last);
        }
    }
    /**
     * c[i .. i+n) += the first n lanes of v (n &lt;= L). A partial vector goes through a scalar loop: masked
     * accesses cost more here (their mask checks were 5 % of a training step), and a full-width store past n could
     * race with another thread writing the next image's rows.
     */
    private static void add(float[] c, int i, FloatVector v, int n) {
        if (n >= L) {
            FloatVector.fromArray(S, c, i).add(v).intoArray(c, i);
        } else {
            float[] lanes = v.toArray();
            for (int j = 0; j < n; j++) {
                c[i + j] += lanes[j];
            }
        }
    }
}
