/**
 * Dense single-precision matrix products, C += A B through strides or with B's rows anywhere in an array (the
 * implicit GEMM of a convolution): a packed, cache-blocked, register-tiled Vector API kernel and a scalar fallback,
 * chosen once per JVM as Lucene's {@code VectorizationProvider} does ({@link dev.tdi.kernels.gemm.GemmProvider}).
 * Used by the U-Net's convolutions (module {@code unet}) and the simulator's conv operators ({@code substrate-sim}).
 * Every product sums in an order fixed by the sizes and the vector width alone, and runs on its caller's thread.
 */
package dev.tdi.kernels.gemm;
