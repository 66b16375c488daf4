package dev.tdi.substrate.sim;

/**
 * Chooses the kernels once per JVM, as Lucene's VectorizationProvider does: the Vector API kernels are loaded by
 * reflection only when module {@code jdk.incubator.vector} is in the boot layer, so this class and the provider
 * load on any JVM; otherwise (or when {@code -Dtdi.sim.vector=false}) the scalar kernels run and
 * {@link #fallbackReason()} says why.
 */
final class KernelsLoader {
    private static final String MODULE = "jdk.incubator.vector";
    private static volatile Kernels vector;
    private static volatile String reason;
    private static volatile boolean probed;

    private KernelsLoader() {
    }

    static Kernels load(boolean allowVector) {
        if (!allowVector || !Boolean.parseBoolean(System.getProperty("tdi.sim.vector", "true"))) {
            return ScalarKernels.INSTANCE;
        }
        probe();
        return vector != null ? vector : ScalarKernels.INSTANCE;
    }

    /** Why the vector kernels are unavailable, or null when they are available. */
    static String fallbackReason() {
        if (!Boolean.parseBoolean(System.getProperty("tdi.sim.vector", "true"))) {
            return "disabled by -Dtdi.sim.vector=false";
        }
        probe();
        return reason;
    }

    private static synchronized void probe() {
        if (probed) {
            return;
        }
        probed = true;
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            reason = "module " + MODULE + " is not resolved (run java with --add-modules " + MODULE + ")";
            return;
        }
        try {
            Class<?> c = Class.forName("dev.tdi.substrate.sim.VectorKernels");
            Kernels k = (Kernels) c.getDeclaredConstructor().newInstance();
            // Smoke-test once: an unsupported platform fails here rather than mid-run.
            float[] a = {1, 2, 3};
            if (k.dot(a, 0, a, 0, 3) != 14f) {
                reason = "the Vector API kernels failed their self-test";
                return;
            }
            vector = k;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            reason = "the Vector API kernels could not load: " + e;
        }
    }
}
