package dev.tdi.substrate.fpga.compiler;

import java.util.List;
import java.util.Locale;

/**
 * The quantisation error of a compiled program, factor by factor: what the device holds differs from the program
 * by these amounts. Errors are in the program's own units.
 *
 * @param factors one entry per factor, in program order
 */
public record QuantisationReport(List<FactorError> factors) {

    public QuantisationReport {
        factors = List.copyOf(factors);
    }

    /**
     * The quantisation of one factor's parameters.
     *
     * @param index         factor index in the program
     * @param description   the factor, as {@code Factor.describe()} names it
     * @param format        the device format its parameters were stored in
     * @param entries       parameters quantised
     * @param maxAbsError   largest |stored - given|
     * @param rmsError      root mean square of stored - given
     * @param relativeError ||stored - given|| / ||given|| (0 when given is all zeros)
     * @param flushedToZero non-zero parameters that became zero
     * @param saturated     parameters clipped to the format's range
     */
    public record FactorError(int index, String description, String format, long entries, double maxAbsError,
                              double rmsError, double relativeError, long flushedToZero, long saturated) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "#%d %s [%s]: %d entries, max |err| %.3g, rms %.3g, rel %.3g%s%s",
                    index, description, format, entries, maxAbsError, rmsError, relativeError,
                    flushedToZero > 0 ? ", " + flushedToZero + " flushed to zero" : "",
                    saturated > 0 ? ", " + saturated + " saturated" : "");
        }
    }

    /** The largest absolute error over every factor. */
    public double maxAbsError() {
        return factors.stream().mapToDouble(FactorError::maxAbsError).max().orElse(0);
    }

    /** The largest relative error over every factor. */
    public double maxRelativeError() {
        return factors.stream().mapToDouble(FactorError::relativeError).max().orElse(0);
    }

    /** Parameters flushed to zero, over every factor. */
    public long flushedToZero() {
        return factors.stream().mapToLong(FactorError::flushedToZero).sum();
    }

    /** One line per factor. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("quantisation report (" + factors.size() + " factors):");
        for (FactorError f : factors) {
            s.append("\n  ").append(f);
        }
        return s.toString();
    }

    /** Accumulates the error of one factor. */
    static final class Meter {
        private final int index;
        private final String description;
        private final String format;
        private long n;
        private double maxAbs;
        private double sumSq;
        private double normSq;
        private long flushed;
        private long saturated;

        Meter(int index, String description, String format) {
            this.index = index;
            this.description = description;
            this.format = format;
        }

        /** Records a given value and what the device stores, with the format's saturation limit. */
        void add(double given, double stored, double limit) {
            double e = stored - given;
            n++;
            maxAbs = Math.max(maxAbs, Math.abs(e));
            sumSq += e * e;
            normSq += given * given;
            if (given != 0 && stored == 0) {
                flushed++;
            }
            if (Math.abs(given) > limit) {
                saturated++;
            }
        }

        FactorError done() {
            return new FactorError(index, description, format, n, maxAbs, n == 0 ? 0 : Math.sqrt(sumSq / n),
                    normSq == 0 ? 0 : Math.sqrt(sumSq / normSq), flushed, saturated);
        }
    }
}
