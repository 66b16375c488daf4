package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.GaussianReference;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.fpga.compiler.QuantisationReport;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.tck.KitPrograms;
import org.junit.jupiter.api.Test;

/**
 * The fpga backend against the floating-point backends on the same programs. The comparison backend is
 * {@code sim} when it is on the class path and {@code reference} otherwise (the test says which it used).
 * <p>
 * <b>The stated quantisation bound</b> (docs/fpga-device.md, "Accuracy"), for a Gaussian program at T = 0:
 * the fixed-point iteration stops where every step rounds to zero, |g_i| &lt;= eps / dt + eps with eps = 2^-17
 * (half a Q.16 quantum, the rounding of the step and of the force), and it computes the gradient of the
 * quantised program A_q x - b_q whose every stored entry is within eps of the given one. Hence
 * <pre>
 *   ||x_fpga - x*|| &lt;= [ sqrt(n) eps (1/dt + 3) + (sqrt(2 nnz) + sqrt(n)) eps ||x*|| ] / lambda_min(A)
 * </pre>
 * (one eps each for the force rounding, the biases and the stiffness-center products; nnz coupling entries
 * placed twice in A, n diagonal stiffnesses).
 */
class AgreementTest {
    static final double EPS = 0x1p-17;

    /** sim without its default analog range: these programs test fixed-point arithmetic, not a device's range. */
    static SubstrateConfig otherConfig() {
        return other().equals("sim") ? SubstrateConfig.of("range=unbounded") : SubstrateConfig.defaults();
    }

    static String other() {
        return SubstrateRegistry.names().contains("sim") ? "sim" : "reference";
    }

    @Test
    void gaussianProgramsAgreeWithinTheStatedBound() {
        for (Program p : new Program[] {Programs.gaussian(), KitPrograms.gaussianCoupled()}) {
            GaussianReference ref = GaussianReference.of(p);
            double[] eig = ref.precisionEigenvalues();
            double dt = 0.4 / eig[eig.length - 1];
            long steps = (long) Math.ceil(40 / (dt * eig[0]));
            RunSpec spec = RunSpec.builder().steps(steps, 100).stepSize(dt).temperature(0).build();
            double[] exact = ref.mean();
            int n = exact.length;
            double norm = 0;
            for (double v : exact) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            RunResult fpga;
            long nnz;
            try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.defaults())) {
                s.program(p);
                fpga = s.run(spec);
                QuantisationReport q = s.compiled().report();
                assertTrue(q.maxAbsError() <= EPS + 1e-15, "every parameter within half a quantum");
                nnz = p.couplings();
            }
            double bound = (Math.sqrt(n) * EPS * (1 / dt + 3) + (Math.sqrt(2.0 * nnz) + Math.sqrt(n)) * EPS * norm)
                    / eig[0];
            assertTrue(bound < 1e-3, "a useful bound: " + bound);
            RunResult o;
            try (Substrate s = SubstrateRegistry.open(other(), otherConfig())) {
                s.program(p);
                o = s.run(spec);
            }
            float[] a = fpga.mean(0);
            float[] b = o.mean(0);
            double dist = 0;
            double distExact = 0;
            for (int i = 0; i < n; i++) {
                dist += (a[i] - b[i]) * (double) (a[i] - b[i]);
                distExact += (a[i] - exact[i]) * (a[i] - exact[i]);
            }
            dist = Math.sqrt(dist);
            distExact = Math.sqrt(distExact);
            System.out.printf("fpga vs %s on %s: ||diff|| = %.3g, vs exact %.3g, stated bound %.3g%n", other(),
                    p.summary(), dist, distExact, bound);
            assertTrue(distExact <= bound + 1e-6, "fpga vs exact " + distExact + " > bound " + bound);
            assertTrue(dist <= bound + 1e-5, "fpga vs " + other() + " " + dist + " > bound " + bound);
        }
    }

    @Test
    void aConvReluResidualProgramRelaxesToTheSameStateAsTheOtherBackend() {
        // Every operator kind, relu and identity residuals, clamps, walls. Not Gaussian, so no closed-form bound:
        // we require agreement to 1e-3 (about 65 quanta) and report the measured distance.
        Program p = Programs.everything();
        RunSpec spec = RunSpec.builder().steps(6000, 2000).stepSize(0.05).temperature(1e-9).build();
        RunResult fpga;
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(p);
            fpga = s.run(spec);
        }
        RunResult o;
        try (Substrate s = SubstrateRegistry.open(other(), otherConfig())) {
            s.program(p);
            o = s.run(spec);
        }
        float[] a = fpga.mean(0);
        float[] b = o.mean(0);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        System.out.printf("fpga vs %s on %s: max |diff| = %.3g%n", other(), p.summary(), worst);
        assertTrue(worst < 1e-3, "max |diff| " + worst);
    }

    @Test
    void aProgramWithWeightsBeyondTheFixedPointRangeRunsThroughForceExponents() {
        // w = 10^5 is beyond Q15.16 (32767.99998): without force exponents the device could not hold it. The
        // compiler gives the free modules exponents (9, 1) and the relaxed state agrees with the floating-point
        // backend.
        Program p = Programs.scaled();
        RunSpec.Builder b = RunSpec.builder().steps(3000, 1000).temperature(1e-9);
        for (int m = 0; m < p.modules().size(); m++) {
            b.stepSize(p.modules().get(m).name(), Programs.SCALED_DT[m]);
        }
        RunSpec spec = b.build();
        RunResult fpga;
        try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(p);
            assertTrue(java.util.Arrays.stream(s.compiled().exponents()).max().orElse(0) > 0);
            fpga = s.run(spec);
            s.setBias("hb", new float[8]);
            RunResult again = s.run(spec);
            assertFalse(java.util.Arrays.equals(fpga.mean(0), again.mean(0)), "a scaled bias field still acts");
        }
        RunResult o;
        try (Substrate s = SubstrateRegistry.open(other(), otherConfig())) {
            s.program(p);
            o = s.run(spec);
        }
        float[] a = fpga.mean(0);
        float[] c = o.mean(0);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - c[i]));
        }
        System.out.printf("fpga vs %s on the scaled program: max |diff| = %.3g%n", other(), worst);
        assertTrue(worst < 1e-3, "max |diff| " + worst);
    }
}
