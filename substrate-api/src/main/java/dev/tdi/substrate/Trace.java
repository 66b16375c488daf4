package dev.tdi.substrate;

import java.util.Map;

/**
 * Observables recorded every {@link RunSpec#traceEvery()} steps, averaged over chains.
 *
 * @param steps         the step index of each record
 * @param energy        U(x) at each record
 * @param residualNorms per Residual bias field, ||x_t - rho(a)|| at each record
 */
public record Trace(long[] steps, double[] energy, Map<String, double[]> residualNorms) {
    public Trace {
        residualNorms = Map.copyOf(residualNorms);
    }
}
