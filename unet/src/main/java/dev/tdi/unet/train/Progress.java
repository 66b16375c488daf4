package dev.tdi.unet.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar: epoch, step, loss, images per second and ETA. On a terminal it redraws in place; when
 * the output is not a terminal (a log, a remote run) it prints a line every few seconds instead.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long lastPrint;
    private final long interval;

    /** A bar on the given stream. */
    public Progress(PrintStream out) {
        this.out = out;
        this.tty = System.console() != null && System.console().isTerminal();
        this.interval = tty ? 200_000_000L : 15_000_000_000L;
    }

    /**
     * Updates the bar.
     *
     * @param doneSteps  steps done in this session, for the rate
     * @param leftSteps  steps left in the run, for the ETA
     */
    public void update(int epoch, int epochs, int step, int steps, double loss, long images, long doneSteps,
                       long leftSteps, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastPrint < interval) {
            return;
        }
        lastPrint = now;
        double sec = (now - start) / 1e9;
        double ips = images / Math.max(sec, 1e-9);
        double eta = doneSteps == 0 ? 0 : sec / doneSteps * leftSteps;
        int width = 24;
        int fill = (int) Math.round(width * (double) step / steps);
        String bar = "#".repeat(fill) + "-".repeat(width - fill);
        String line = String.format(Locale.ROOT, "epoch %d/%d [%s] step %d/%d loss %.5f %.0f img/s ETA %s",
                epoch, epochs, bar, step, steps, loss, ips, fmt(eta));
        if (tty) {
            out.print("\r" + line + "   ");
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the bar's line. */
    public void finish() {
        if (tty) {
            out.println();
        }
    }

    /** h:mm:ss. */
    public static String fmt(double sec) {
        long s = Math.round(sec);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
