package dev.tdi.substrate.program;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every invalid program is refused with a message that names the problem and the offending factor. */
class ProgramBuilderTest {

    private static Program.Builder twoModules() {
        return Program.builder().module("a", 3).module("b", 2)
                .onSite("a", Potential.quadratic(1, 0)).onSite("b", Potential.quadratic(1, 0));
    }

    private static DenseOperator dense(int r, int c) {
        return new DenseOperator(r, c, new float[r * c]);
    }

    static Stream<Arguments> invalidPrograms() {
        return Stream.of(
                bad("duplicate module", () -> Program.builder().module("a", 1).module("a", 2),
                        "module 'a' is declared twice"),
                bad("empty module", () -> Program.builder().module("a", 0), "size must be positive"),
                bad("blank module name", () -> Program.builder().module(" ", 3), "non-blank name"),
                bad("unknown module in a factor", () -> twoModules().onSite("c", Potential.quadratic(1, 0)),
                        "factor #2", "unknown module 'c'", "[a, b]"),
                bad("negative stiffness", () -> twoModules().onSite("a", Potential.quadratic(-1, 0)),
                        "factor #2", "OnSite(a", "stiffness must be finite and >= 0, found -1.0"),
                bad("NaN center", () -> twoModules().onSite("a", Potential.rectified(1, Double.NaN)),
                        "center must be finite"),
                bad("inverted box", () -> twoModules().onSite("a", Potential.box(1, -1)), "lo < hi"),
                bad("coupling dimension mismatch", () -> twoModules().coupling("a", "b", dense(3, 3)),
                        "factor #2 Coupling(a <- b", "dimension mismatch", "expected 3 x 2"),
                bad("NaN weight", () -> twoModules().coupling("a", "b",
                        new DenseOperator(3, 2, new float[] {0, 0, Float.NaN, 0, 0, 0})),
                        "NaN or infinite weight at stored index 2"),
                bad("infinite weight", () -> twoModules().coupling("a", "b",
                        new DenseOperator(3, 2, new float[] {0, 0, 0, 0, 0, Float.POSITIVE_INFINITY})),
                        "NaN or infinite weight"),
                bad("asymmetric self coupling", () -> twoModules().coupling("b", "b",
                        new DenseOperator(2, 2, new float[] {1, 2, 3, 1})), "symmetric W"),
                bad("bias of the wrong length", () -> twoModules().bias("a", new float[2]),
                        "factor #2 Bias(a on a)", "h has length 2, expected 3"),
                bad("bias with NaN", () -> twoModules().bias("a", new float[] {0, Float.NaN, 0}), "h[1] is NaN"),
                bad("duplicate bias field", () -> twoModules().bias("a", new float[3]).bias("a", new float[3]),
                        "bias field 'a' is already defined by factor #2"),
                bad("clamp of the wrong length", () -> twoModules().clamp("b", new float[3]),
                        "Clamp(b)", "clamp values has length 3, expected 2"),
                bad("double clamp", () -> twoModules().clamp("b", new float[2]).clamp("b", new float[2]),
                        "already clamped"),
                bad("residual without sources", () -> twoModules().residual("a", Activation.RELU, new float[3], 1),
                        "at least one source"),
                bad("residual from its own target", () -> twoModules().residual("a", Activation.RELU, new float[3], 1,
                        new Factor.Source("a", dense(3, 3))), "both target and source"),
                bad("residual source dimension", () -> twoModules().residual("a", Activation.IDENTITY, new float[3],
                        1, new Factor.Source("b", dense(3, 3))), "dimension mismatch", "expected 3 x 2"),
                bad("residual weight zero", () -> twoModules().residual("a", Activation.IDENTITY, new float[3], 0,
                        new Factor.Source("b", dense(3, 2))), "weight w must be finite and > 0"),
                bad("residual h length", () -> twoModules().residual("a", Activation.IDENTITY, new float[2], 1,
                        new Factor.Source("b", dense(3, 2))), "h has length 2, expected 3"),
                bad("free-floating module", () -> Program.builder().module("a", 2).module("b", 2)
                        .onSite("a", Potential.quadratic(1, 0)).build(), "module 'b' has no", "diffuse freely"),
                bad("empty program", () -> Program.builder().build(), "at least one module"),
                bad("dense values length", () -> new DenseOperator(2, 2, new float[3]),
                        "dense operator values", "has 3 entries, expected 4"),
                bad("sparse column out of range", () -> new SparseOperator(2, 2, new int[] {0, 1, 2},
                        new int[] {0, 5}, new float[] {1, 1}), "colIdx[1] = 5 is outside [0, 2)"),
                bad("sparse rowPtr decreasing", () -> new SparseOperator(2, 2, new int[] {0, 2, 1},
                        new int[] {0, 1}, new float[] {1, 1}), "must start at 0 and end at nnz"),
                bad("conv kernel length", () -> new Conv2dOperator(1, 4, 4, 2, 3, 3, 1, 1, new float[10]),
                        "conv2d kernel", "expected 18"),
                bad("conv kernel too large", () -> new Conv2dOperator(1, 2, 2, 1, 5, 5, 1, 0, new float[25]),
                        "does not fit"),
                bad("conv-transpose output padding", () -> new ConvTranspose2dOperator(1, 2, 2, 1, 2, 2, 2, 0, 2,
                        new float[4]), "outputPadding < stride"),
                bad("low-rank factor length", () -> new LowRankOperator(4, 3, 2, new float[8], new float[5]),
                        "low-rank factor V", "expected 6"),
                bad("zero rank", () -> new LowRankOperator(4, 3, 0, new float[0], new float[0]), "rank must be positive"));
    }

    private static Arguments bad(String name, Supplier<Object> build, String... expected) {
        return Arguments.of(name, build, List.of(expected));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPrograms")
    void invalidProgramIsRefusedWithAClearMessage(String name, Supplier<Object> build, List<String> expected) {
        InvalidProgramException e = assertThrows(InvalidProgramException.class, build::get, name);
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), () -> name + ": expected '" + s + "' in: " + e.getMessage());
        }
    }

    @Test
    void validProgramHasTheDeclaredLayout() {
        Program p = twoModules()
                .coupling("a", "b", dense(3, 2))
                .bias("a", new float[3])
                .residual("b", Activation.RELU, new float[2], 2.0, new Factor.Source("a", dense(2, 3)))
                .build();
        assertEquals(5, p.units());
        assertEquals(3, p.module("b").offset());
        assertEquals(List.of("a", "b"), List.copyOf(p.biasFields().keySet()));
        assertEquals("b", p.biasField("b").module());
        var e = assertThrows(InvalidProgramException.class, () -> p.module("zz"));
        assertTrue(e.getMessage().contains("[a, b]"));
    }

    @Test
    void programsAreImmutable() {
        float[] h = {1, 2, 3};
        Program p = twoModules().bias("a", h).build();
        h[0] = 99;
        Factor.Bias b = (Factor.Bias) p.factors().get(2);
        assertEquals(1f, b.h()[0], "the builder copies arrays in");
        b.h()[1] = 42;
        assertEquals(2f, b.h()[1], "accessors hand out copies");
        assertThrows(UnsupportedOperationException.class, () -> p.factors().clear());
    }

    @Test
    void operatorsMatchTheirDenseFormAndTranspose() {
        var rng = new java.util.SplittableRandom(5);
        List<Operator> ops = List.of(
                new DenseOperator(4, 3, rand(rng, 12)),
                SparseOperator.fromDense(4, 3, new float[] {1, 0, 2, 0, 0, 3, 4, 0, 0, 0, 5, 6}),
                new Conv2dOperator(2, 5, 4, 3, 3, 3, 2, 1, rand(rng, 54)),
                new ConvTranspose2dOperator(2, 3, 3, 1, 4, 4, 2, 1, 1, rand(rng, 32)),
                new LowRankOperator(6, 5, 2, rand(rng, 12), rand(rng, 10)));
        for (Operator op : ops) {
            double[] w = op.toDense();
            double[] x = new double[op.cols()];
            double[] y = new double[op.rows()];
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextDouble() - 0.5;
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = rng.nextDouble() - 0.5;
            }
            double[] wx = new double[op.rows()];
            op.apply(x, 0, wx, 0);
            double[] wty = new double[op.cols()];
            op.applyTranspose(y, 0, wty, 0);
            // <y, W x> == <W^T y, x>, and W x agrees with the dense matrix.
            double lhs = 0;
            double rhs = 0;
            for (int i = 0; i < y.length; i++) {
                lhs += y[i] * wx[i];
                double d = 0;
                for (int j = 0; j < x.length; j++) {
                    d += w[i * op.cols() + j] * x[j];
                }
                assertEquals(d, wx[i], 1e-9, op.describe() + " row " + i);
            }
            for (int j = 0; j < x.length; j++) {
                rhs += wty[j] * x[j];
            }
            assertEquals(lhs, rhs, 1e-9, op.describe() + " adjoint");
        }
    }

    @Test
    void convTransposeIsTheAdjointOfConv() {
        var rng = new java.util.SplittableRandom(9);
        float[] k = rand(rng, 3 * 2 * 3 * 3);
        // Conv kernel [out=3][in=2][3][3]; the transposed conv maps 3 channels back to 2 with kernel [in=3][out=2].
        var conv = new Conv2dOperator(2, 6, 6, 3, 3, 3, 2, 1, k);
        var convT = new ConvTranspose2dOperator(3, 3, 3, 2, 3, 3, 2, 1, 1, k);
        double[] a = conv.toDense();
        double[] b = convT.toDense();
        assertEquals(conv.rows(), convT.cols());
        for (int i = 0; i < conv.rows(); i++) {
            for (int j = 0; j < conv.cols(); j++) {
                assertEquals(a[i * conv.cols() + j], b[j * convT.cols() + i], 1e-12);
            }
        }
    }

    @Test
    void couplingCountsAreExact() {
        assertEquals(3L * (4 + 4), new LowRankOperator(4, 4, 3, new float[12], new float[12]).couplings());
        float[] ones = new float[9];
        java.util.Arrays.fill(ones, 1);
        // 3x3 conv with padding 1 on a 3x3 image: corner outputs see 4 inputs, edges 6, the centre 9.
        assertEquals(4 * 4 + 4 * 6 + 9, new Conv2dOperator(1, 3, 3, 1, 3, 3, 1, 1, ones).couplings());
    }

    private static float[] rand(java.util.SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextDouble() - 0.5);
        }
        return v;
    }
}
