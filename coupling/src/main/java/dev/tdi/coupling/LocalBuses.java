package dev.tdi.coupling;

import dev.tdi.substrate.program.Conv2dOperator;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * Local buses for convolutional skips ({@code bus=local} of hbc, svd and random): a rank-k bus at every encoder
 * pixel instead of one bus for the whole module.
 *
 * <p>Read the skip's convolution K (C_dec x C_enc x kh x kw) as the <em>scatter matrix</em> M, of size
 * (C_dec kh kw) x C_enc: column c is what one unit of encoder channel c at one pixel contributes to the kh x kw
 * decoder neighbourhood it feeds. A local bus of rank k is an orthonormal basis P ((C_dec kh kw) x k) of that
 * contribution space, shared by every pixel: next to the encoder, k bus units per pixel read b(p) = P^T M x(p) (a
 * 1 x 1 convolution, k x C_enc couplings per pixel); k lines per pixel cross the module chain; next to the decoder a
 * k-channel convolution with kernel P fans them out. Folded, the skip is the convolution of the same shape with
 * kernel P P^T M per tap, which is what the compiler builds.
 *
 * <p>hbc chooses P as the top-k eigenvectors of the decoder-side Gram of the contributions over every calibration
 * sample and pixel, sum_{n,p} (M x_n(p))(M x_n(p))^T = M C M^T with C the encoder's channel Gram matrix: by
 * Eckart-Young the best rank-k projection of every pixel's contribution in the data's metric (the DESIGN's P_k P_k^T
 * W_skip with (sample, pixel) pairs as the samples). It is computed through the C_enc x C_enc Gram of
 * M C^{1/2}, so its cost does not depend on the image size.
 */
public final class LocalBuses {
    private LocalBuses() {
    }

    /** The skip's operator as a convolution, or a {@link CouplingSpecException} naming the skip. */
    public static Conv2dOperator requireConvolution(SkipConnection skip, String spec) {
        if (skip.operator() instanceof Conv2dOperator c) {
            return c;
        }
        throw new CouplingSpecException(spec + ": bus=local needs convolutional skips, but skip " + skip.name()
                + " (" + skip.sourceModule() + " -> " + skip.targetModule() + ") is "
                + skip.operator().kind() + "; use bus=global");
    }

    /** Dimension of the contribution space, C_dec kh kw. */
    public static int contributionSize(Conv2dOperator w) {
        return w.outChannels() * w.kernelHeight() * w.kernelWidth();
    }

    /** Largest useful rank: the rank of M is at most min(C_enc, C_dec kh kw). */
    public static int maxRank(Conv2dOperator w) {
        return Math.min(w.inChannels(), contributionSize(w));
    }

    /** The columns of M, [c_enc][(c_dec, ky, kx)]. */
    public static double[][] scatterColumns(Conv2dOperator w) {
        int kk = w.kernelHeight() * w.kernelWidth();
        double[][] m = new double[w.inChannels()][contributionSize(w)];
        float[] k = w.kernel();
        for (int oc = 0; oc < w.outChannels(); oc++) {
            for (int ic = 0; ic < w.inChannels(); ic++) {
                for (int t = 0; t < kk; t++) {
                    m[ic][oc * kk + t] = k[(oc * w.inChannels() + ic) * kk + t];
                }
            }
        }
        return m;
    }

    /** The encoder channel Gram C = sum over calibration samples and pixels of x(p) x(p)^T, C_enc x C_enc. */
    public static double[][] channelGram(SkipConnection skip, Conv2dOperator w) {
        Projections.requireCalibration(skip);
        int c = w.inChannels();
        int pixels = w.inHeight() * w.inWidth();
        double[][] g = new double[c][c];
        double[] xp = new double[c];
        for (float[] x : skip.calibration()) {
            for (int p = 0; p < pixels; p++) {
                for (int i = 0; i < c; i++) {
                    xp[i] = x[i * pixels + p];
                }
                for (int i = 0; i < c; i++) {
                    if (xp[i] != 0) {
                        for (int j = 0; j <= i; j++) {
                            g[i][j] += xp[i] * xp[j];
                        }
                    }
                }
            }
        }
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < i; j++) {
                g[j][i] = g[i][j];
            }
        }
        return g;
    }

    /**
     * Top-k eigenvectors of M C M^T and the square roots of their eigenvalues (the singular structure of every
     * calibration pixel's contribution), through the C_enc x C_enc Gram of the columns of M C^{1/2}.
     */
    public static Linalg.Svd dataSpectrum(Conv2dOperator w, double[][] channelGram, int k) {
        int c = w.inChannels();
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(channelGram, false));
        double[][] m = scatterColumns(w);
        double[][] columns = new double[c][contributionSize(w)];
        for (int i = 0; i < c; i++) {
            double lambda = Math.max(eig.getRealEigenvalue(i), 0);
            double[] q = eig.getEigenvector(i).toArray();
            double s = Math.sqrt(lambda);
            for (int ic = 0; ic < c; ic++) {
                Linalg.axpy(s * q[ic], m[ic], columns[i]);
            }
        }
        return Linalg.gram(columns, Math.min(k, maxRank(w)));
    }

    /** Top-k left singular vectors of M alone (no data): the local form of {@code svd}. */
    public static Linalg.Svd weightSpectrum(Conv2dOperator w, int k) {
        return Linalg.gram(scatterColumns(w), Math.min(k, maxRank(w)));
    }

    /**
     * The local bus with orthonormal basis {@code basis} ([j][(c_dec, ky, kx)], k vectors) of the contribution
     * space; an empty basis drops the skip.
     */
    public static CoupledSkip bus(Conv2dOperator w, double[][] basis) {
        int k = basis.length;
        if (k == 0) {
            return new CoupledSkip.Dropped();
        }
        int n = contributionSize(w);
        int kk = w.kernelHeight() * w.kernelWidth();
        int cEnc = w.inChannels();
        double[][] m = scatterColumns(w);
        // V^T = P^T M: the bus read-out, k x C_enc.
        double[][] vt = new double[k][cEnc];
        for (int j = 0; j < k; j++) {
            if (basis[j].length != n) {
                throw new IllegalArgumentException("local bus basis vector " + j + " has length " + basis[j].length
                        + ", the contribution space has " + n);
            }
            for (int ic = 0; ic < cEnc; ic++) {
                vt[j][ic] = Linalg.dot(basis[j], m[ic]);
            }
        }
        float[] folded = new float[w.outChannels() * cEnc * kk];
        float[] fanOut = new float[w.outChannels() * k * kk];
        for (int oc = 0; oc < w.outChannels(); oc++) {
            for (int t = 0; t < kk; t++) {
                int row = oc * kk + t;
                for (int j = 0; j < k; j++) {
                    fanOut[(oc * k + j) * kk + t] = (float) basis[j][row];
                }
                for (int ic = 0; ic < cEnc; ic++) {
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += basis[j][row] * vt[j][ic];
                    }
                    folded[(oc * cEnc + ic) * kk + t] = (float) s;
                }
            }
        }
        Conv2dOperator foldedOp = new Conv2dOperator(cEnc, w.inHeight(), w.inWidth(), w.outChannels(),
                w.kernelHeight(), w.kernelWidth(), w.stride(), w.padding(), folded);
        Conv2dOperator fanOutOp = new Conv2dOperator(k, w.inHeight(), w.inWidth(), w.outChannels(),
                w.kernelHeight(), w.kernelWidth(), w.stride(), w.padding(), fanOut);
        long pixels = (long) w.inHeight() * w.inWidth();
        long readOut = 0;
        for (double[] row : vt) {
            for (double v : row) {
                if (v != 0) {
                    readOut++;
                }
            }
        }
        return new CoupledSkip.LocalBus(foldedOp, k, pixels * readOut + fanOutOp.couplings(), pixels * k);
    }
}
