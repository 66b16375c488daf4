package dev.tdi.inference;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Headless PNG output with java.awt: image grids and simple line charts. */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private Plots() {
    }

    /** One line of a chart. */
    public record Series(String label, double[] x, double[] y) {
    }

    /**
     * A grid of grey images: {@code rows} of equal-length image lists, each image side x side in [-1, 1], with a
     * label per row drawn at the left.
     */
    public static void imageGrid(Path file, List<String> rowLabels, List<List<float[]>> rows, int side, int scale,
                                 String title) throws IOException {
        int cols = rows.stream().mapToInt(List::size).max().orElse(1);
        int labelW = 190;
        int cell = side * scale + 4;
        int top = 28;
        BufferedImage img = new BufferedImage(labelW + cols * cell, top + rows.size() * cell,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 6, 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int r = 0; r < rows.size(); r++) {
            g.setColor(Color.BLACK);
            g.drawString(rowLabels.get(r), 6, top + r * cell + cell / 2 + 4);
            for (int c = 0; c < rows.get(r).size(); c++) {
                float[] im = rows.get(r).get(c);
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        float v = im[y * side + x];
                        int grey = (int) Math.round(Math.max(0, Math.min(1, (v + 1) / 2)) * 255);
                        g.setColor(new Color(grey, grey, grey));
                        g.fillRect(labelW + c * cell + 2 + x * scale, top + r * cell + 2 + y * scale, scale, scale);
                    }
                }
            }
        }
        g.dispose();
        write(img, file);
    }

    /** A line chart with markers; {@code logX} plots x on a log2 axis. */
    public static void lineChart(Path file, String title, String xLabel, String yLabel, List<Series> series,
                                 boolean logX, boolean logY) throws IOException {
        int w = 720;
        int h = 460;
        int left = 80;
        int right = 200;
        int top = 40;
        int bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double x = tx(s.x()[i], logX);
                double y = ty(s.y()[i], logY);
                if (Double.isFinite(x) && Double.isFinite(y)) {
                    xmin = Math.min(xmin, x);
                    xmax = Math.max(xmax, x);
                    ymin = Math.min(ymin, y);
                    ymax = Math.max(ymax, y);
                }
            }
        }
        if (!(xmax > xmin)) {
            xmax = xmin + 1;
        }
        if (!(ymax > ymin)) {
            ymax = ymin + 1e-3;
        }
        double pad = (ymax - ymin) * 0.06;
        ymin -= pad;
        ymax += pad;
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 5; i++) {
            double yv = ymin + (ymax - ymin) * i / 5;
            int py = top + ph - (int) Math.round(ph * i / 5.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left + 1, py, left + pw - 1, py);
            g.setColor(Color.BLACK);
            g.drawString(logY ? String.format(Locale.ROOT, "%.2g", Math.pow(10, yv))
                    : ymax - ymin < 0.02 ? String.format(Locale.ROOT, "%.4f", yv) : fmt(yv), 6, py + 4);
            double xv = xmin + (xmax - xmin) * i / 5;
            int px = left + (int) Math.round(pw * i / 5.0);
            g.drawString(logX ? String.format(Locale.ROOT, "%.3g", Math.pow(2, xv)) : fmt(xv), px - 14, top + ph + 18);
        }
        g.drawString(xLabel + (logX ? " (log scale)" : ""), left + pw / 2 - 60, h - 18);
        g.drawString(yLabel + (logY ? " (log)" : ""), 6, top - 8);
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            g.setColor(PALETTE[si % PALETTE.length]);
            g.setStroke(new BasicStroke(2f));
            int lx = -1;
            int ly = -1;
            for (int i = 0; i < s.x().length; i++) {
                double x = tx(s.x()[i], logX);
                double y = ty(s.y()[i], logY);
                if (!Double.isFinite(x) || !Double.isFinite(y)) {
                    continue;
                }
                int px = left + (int) Math.round((x - xmin) / (xmax - xmin) * pw);
                int py = top + ph - (int) Math.round((y - ymin) / (ymax - ymin) * ph);
                g.fillOval(px - 3, py - 3, 7, 7);
                if (lx >= 0) {
                    g.drawLine(lx, ly, px, py);
                }
                lx = px;
                ly = py;
            }
            g.drawString(s.label(), left + pw + 12, top + 18 + si * 18);
        }
        g.dispose();
        write(img, file);
    }

    private static double tx(double v, boolean log) {
        if (!log) {
            return v;
        }
        return v > 0 ? Math.log(v) / Math.log(2) : Double.NaN;
    }

    private static double ty(double v, boolean log) {
        if (!log) {
            return v;
        }
        return v > 0 ? Math.log10(v) : Double.NaN;
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-2 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : "%.3f", v);
    }

    private static void write(BufferedImage img, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
    }
}
