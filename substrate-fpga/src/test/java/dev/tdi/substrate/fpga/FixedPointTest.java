package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.NoiseGenerator;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The device's arithmetic primitives and its noise generator against their definitions. */
class FixedPointTest {

    @Test
    void mulRndIsRoundHalfUpOfTheExact128BitProduct() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 200_000; i++) {
            long a = r.nextLong(0, 1L << 32);
            long b = i % 3 == 0 ? r.nextLong(-(1L << 47), 1L << 47) : r.nextLong(-(1L << 33), 1L << 33);
            int s = i % 2 == 0 ? Fx.DT_FRAC : Fx.SIGMA_FRAC;
            BigInteger exact = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.ONE.shiftLeft(s - 1))
                    .shiftRight(s);
            assertEquals(exact.longValueExact(), Fx.mulRnd(a, b, s), a + " * " + b + " >> " + s);
        }
        assertEquals(1, Fx.mulRnd(1L << 27, 1, 28), "half rounds up");
        assertEquals(0, Fx.mulRnd(1L << 27, -1, 28), "minus half rounds up to zero");
    }

    @Test
    void quantisationRoundsHalfUpAndSaturates() {
        assertEquals(65536, Fx.q16(1.0));
        assertEquals(1, Fx.q16(0.5 / 65536));
        assertEquals(0, Fx.q16(-0.5 / 65536));
        assertEquals(Fx.STATE_MAX, Fx.q16(1e9));
        assertEquals(-Fx.STATE_MAX, Fx.q16(-1e9));
        assertEquals(Fx.WEIGHT_MAX, Fx.weight(200.0));
        assertEquals(Fx.STATE_MAX, Fx.sat32(1L << 40));
        assertTrue(Fx.outside32(-(1L << 31)), "the state range is symmetric");
    }

    @Test
    void noiseMatchesTheGoldenModelsValues() {
        // computed by src/test/python/golden_model.py xi(key, step, unit)
        assertEquals(70176, NoiseGenerator.xi(0, 0, 0));
        assertEquals(-25605, NoiseGenerator.xi(0x123456789ABCDEFL, 5, 7));
        assertEquals(69656, NoiseGenerator.xi(-1L, 1 << 20, 65535));
        assertEquals(13824, NoiseGenerator.xi(42, 0, 1));
    }

    @Test
    void noiseHasUnitVarianceZeroMeanAndNoCorrelationAcrossStepsUnitsOrChains() {
        int n = 400_000;
        double s1 = 0;
        double s2 = 0;
        double s4 = 0;
        double cStep = 0;
        double cUnit = 0;
        double cChain = 0;
        int max = 0;
        for (int i = 0; i < n; i++) {
            int unit = i % 1000;
            long step = i / 1000;
            double x = NoiseGenerator.xi(7, step, unit) / 65536.0;
            double nextStep = NoiseGenerator.xi(7, step + 1, unit) / 65536.0;
            double nextUnit = NoiseGenerator.xi(7, step, unit + 1) / 65536.0;
            double otherChain = NoiseGenerator.xi(8, step, unit) / 65536.0;
            s1 += x;
            s2 += x * x;
            s4 += x * x * x * x;
            cStep += x * nextStep;
            cUnit += x * nextUnit;
            cChain += x * otherChain;
            max = Math.max(max, Math.abs(NoiseGenerator.xi(7, step, unit)));
        }
        double se = 5 / Math.sqrt(n);
        assertEquals(0, s1 / n, se, "mean");
        assertEquals(1, s2 / n, 5 * Math.sqrt(1.8 / n), "variance");
        assertEquals(2.7, s4 / n, 0.05, "kurtosis of the Irwin-Hall(4) approximation is 3 - 6/20");
        assertEquals(0, cStep / n, se, "correlation between steps");
        assertEquals(0, cUnit / n, se, "correlation between units");
        assertEquals(0, cChain / n, se, "correlation between chains");
        assertTrue(max <= 227021, "bounded by 2 sqrt(3): " + max);
    }
}
