package dev.tdi.kernels.gemm;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the matrix kernel once per JVM, in the manner of Lucene's {@code VectorizationProvider}: the Vector API
 * kernel when {@code jdk.incubator.vector} is in the boot layer (the ./tdi launcher and the tests add it), the
 * species is at least 256 bits wide (8 floats; narrower vectors lose to the scalar loop's auto-vectorisation) and
 * C2 is on (the Vector API is interpreted otherwise: far slower than scalar); the scalar kernel otherwise.
 *
 * <p>Override with {@code -Dtdi.gemm=scalar|vector|auto} (the default is {@code auto}); the older
 * {@code -Dtdi.unet.scalar=true} also forces scalar. {@code -Dtdi.gemm.bits=256} runs the vector kernel at a
 * narrower width than the machine's (to exercise the AVX2 code on an AVX-512 machine).
 */
public final class GemmProvider {
    /** The system property that overrides the choice. */
    public static final String PROPERTY = "tdi.gemm";
    private static final int MIN_LANES = 8;

    private GemmProvider() {
    }

    /** The scalar kernel (always available). */
    public static GemmKernel scalar() {
        return new ScalarGemm();
    }

    /** The vector kernel, if the Vector API module is present (regardless of width and compiler). */
    public static Optional<GemmKernel> vector() {
        return vectorModulePresent() ? Optional.of(newVector()) : Optional.empty();
    }

    /** Why {@code auto} would not pick the vector kernel, or empty when it would. */
    public static Optional<String> vectorUnsuitable() {
        if (!vectorModulePresent()) {
            return Optional.of("jdk.incubator.vector is not in the boot layer (add --add-modules jdk.incubator.vector)");
        }
        if (!c2Enabled()) {
            return Optional.of("the C2 compiler is off (-XX:TieredStopAtLevel < 4 or -Xint): the Vector API would be"
                    + " interpreted");
        }
        int lanes = VectorGemm.lanes();
        if (lanes < MIN_LANES) {
            return Optional.of("the preferred float vector has " + lanes + " lanes, fewer than " + MIN_LANES);
        }
        return Optional.empty();
    }

    /** The kernel this JVM uses, following {@value #PROPERTY} (see the class comment). */
    static GemmKernel select() {
        String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        if (Boolean.getBoolean("tdi.unet.scalar")) {
            mode = "scalar";
        }
        switch (mode) {
            case "scalar":
                return scalar();
            case "vector":
                return vector().orElseThrow(() -> new IllegalStateException("-D" + PROPERTY + "=vector, but "
                        + vectorUnsuitable().orElse("the Vector API is unavailable")));
            case "auto":
            case "":
                return vectorUnsuitable().isEmpty() ? newVector() : scalar();
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + mode + ": accepted auto, vector, scalar");
        }
    }

    private static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    // a separate method, so VectorGemm (and the incubator classes) load only when the module is there
    private static GemmKernel newVector() {
        return new VectorGemm();
    }

    private static boolean c2Enabled() {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (bean == null) {
                return true;
            }
            boolean interpreted = "false".equals(bean.getVMOption("UseCompiler").getValue());
            int tiered = Integer.parseInt(bean.getVMOption("TieredStopAtLevel").getValue());
            return !interpreted && tiered >= 4;
        } catch (RuntimeException | LinkageError e) {
            return true; // not HotSpot, or the option is unknown: assume an optimising compiler
        }
    }
}
