package dev.tdi.inference;

import dev.tdi.substrate.ProgramRange;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Program;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * {@code tdi relaxation-study}: how fast, and within what dynamic range, each way of relaxing a deep network
 * converges (docs/physics.md, section 4). On random linear chains of growing depth it measures, per approach, the
 * weights' dynamic range, the condition number of the preconditioned Hessian, the steps to reach the exact forward
 * pass within 1e-3 at T = 0 (reference backend, double precision) and the error left after 200 steps:
 * <ul>
 *   <li>{@code graded g=0.1} and {@code graded, w<=1e3}: graded weights, unbounded and bounded to 1e3;</li>
 *   <li>{@code uniform, |W|=1.3} and {@code uniform, |W|=0.9}: uniform weights on the network as trained (layer norms
 *       1.3) and on a Lipschitz-bounded network (layer norms 0.9, what spectral normalisation in training would
 *       give): substrate-aware training;</li>
 *   <li>{@code hold schedule}: the hold schedule with uniform weights (the layer norms do not matter).</li>
 * </ul>
 * Writes JSON and PNG plots.
 */
public final class RelaxationStudy {

    /** Parameters. */
    public record Params(Path out, int[] depths, int width, long seed, long maxSteps, long budget) {
    }

    /** One measurement. */
    public record Point(String approach, int depth, double rangeDecades, double conditionNumber, long stepsToConverge,
                        double errorAtBudget) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("approach", approach);
            m.put("depth", depth);
            m.put("dynamic_range_decades", rangeDecades);
            m.put("condition_number", Double.isFinite(conditionNumber) ? conditionNumber : null);
            m.put("steps_to_converge", stepsToConverge);
            m.put("relative_error_at_budget", errorAtBudget);
            return m;
        }
    }

    private RelaxationStudy() {
    }

    static final String[] APPROACHES = {"graded g=0.1", "graded, w<=1e3", "uniform, |W|=1.3",
        "uniform, |W|=0.9", "hold schedule"};

    public static List<Point> execute(Params p, PrintStream out) throws IOException {
        List<Point> points = new ArrayList<>();
        out.printf(Locale.ROOT, "random linear chains, width %d, seed %d; converged = last layer within 1e-3 of the"
                + " forward pass at T = 0 (at most %d steps); error after a budget of %d steps%n", p.width(), p.seed(),
                p.maxSteps(), p.budget());
        out.printf(Locale.ROOT, "%-18s %5s %8s %10s %8s %10s%n", "approach", "depth", "decades", "cond", "steps",
                "err@" + p.budget());
        long t0 = System.nanoTime();
        int done = 0;
        int total = p.depths().length * APPROACHES.length;
        for (int depth : p.depths()) {
            for (String a : APPROACHES) {
                double norm = a.equals("uniform, |W|=0.9") ? 0.9 : 1.3;
                Chain chain = Chain.random(depth, p.width(), norm, p.seed() + depth);
                RelaxationPlan plan = switch (a) {
                    case "graded g=0.1" -> RelaxationPlan.plan(chain.edges(), RelaxationPlan.AUTO_ETA, 0.1);
                    case "graded, w<=1e3" -> RelaxationPlan.plan(chain.edges(), RelaxationPlan.AUTO_ETA, 0.1,
                            1e3);
                    case "hold schedule" -> RelaxationPlan.scheduled(chain.edges(), 1.0, 1);
                    default -> RelaxationPlan.uniform(chain.edges(), RelaxationPlan.AUTO_ETA);
                };
                Program program = chain.program(plan);
                double decades = ProgramRange.of(program).decades();
                double cond = plan.scheduled() ? 1.0 : conditionNumber(chain, plan);
                long steps = stepsToConverge(chain, program, plan, p.maxSteps());
                double err = errorAfter(chain, program, plan, p.budget());
                Point pt = new Point(a, depth, decades, cond, steps, err);
                points.add(pt);
                done++;
                out.printf(Locale.ROOT, "%-18s %5d %8.2f %10.3g %8s %10.3g   [%d/%d, ETA %.0f s]%n", a, depth, decades,
                        cond, steps < 0 ? ">" + p.maxSteps() : Long.toString(steps), err, done, total,
                        (System.nanoTime() - t0) / 1e9 / done * (total - done));
            }
        }
        write(p, points);
        return points;
    }

    private static void write(Params p, List<Point> points) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "tdi relaxation-study");
        json.put("width", p.width());
        json.put("seed", p.seed());
        json.put("max_steps", p.maxSteps());
        json.put("budget", p.budget());
        json.put("criterion", "relative error of the last layer <= 1e-3 against the exact forward pass, T = 0,"
                + " zero initial state, reference backend (double)");
        json.put("points", points.stream().map(Point::toMap).toList());
        Jobs.writeJson(p.out().resolve("relaxation-study.json"), json);
        List<Plots.Series> steps = new ArrayList<>();
        List<Plots.Series> stepsVsRange = new ArrayList<>();
        List<Plots.Series> errVsRange = new ArrayList<>();
        List<Plots.Series> cond = new ArrayList<>();
        for (String a : APPROACHES) {
            List<Point> ps = points.stream().filter(x -> x.approach().equals(a)).toList();
            double[] d = ps.stream().mapToDouble(Point::depth).toArray();
            // a run that did not converge is drawn at the step limit
            double[] s = ps.stream().mapToDouble(x -> x.stepsToConverge() < 0 ? p.maxSteps() : x.stepsToConverge())
                    .toArray();
            double[] r = ps.stream().mapToDouble(Point::rangeDecades).toArray();
            double[] e = ps.stream().mapToDouble(x -> Math.max(1e-16, x.errorAtBudget())).toArray();
            double[] c = ps.stream().mapToDouble(x -> Math.max(1, x.conditionNumber())).toArray();
            steps.add(new Plots.Series(a, d, s));
            stepsVsRange.add(new Plots.Series(a, r, s));
            errVsRange.add(new Plots.Series(a, r, e));
            cond.add(new Plots.Series(a, d, c));
        }
        Plots.lineChart(p.out().resolve("steps-vs-depth.png"), "steps to converge vs depth (linear chains)", "depth",
                "steps to 1e-3", steps, false, true);
        Plots.lineChart(p.out().resolve("steps-vs-range.png"), "steps to converge vs dynamic range",
                "dynamic range (decades)", "steps to 1e-3", stepsVsRange, false, true);
        Plots.lineChart(p.out().resolve("error-vs-range.png"), "error after " + p.budget() + " steps vs dynamic range",
                "dynamic range (decades)", "relative error", errVsRange, false, true);
        Plots.lineChart(p.out().resolve("condition-vs-depth.png"), "condition number of the preconditioned Hessian",
                "depth", "condition number", cond, false, true);
    }

    /** lambda_max / lambda_min of M^(1/2) H M^(1/2), M = diag(dt), for the free units of a linear chain. */
    static double conditionNumber(Chain chain, RelaxationPlan plan) {
        int n = chain.depth() * chain.width();
        double[][] h = new double[n][n];
        int w = chain.width();
        for (int l = 1; l <= chain.depth(); l++) {
            double wl = plan.weights().get("x" + l);
            // residual r = x_l - W x_{l-1}: H += wl J^T J with J = [-W, I] on (x_{l-1}, x_l); x_0 is clamped.
            double[][] wm = chain.weights()[l - 1];
            int tOff = (l - 1) * w;
            int sOff = (l - 2) * w;
            for (int i = 0; i < w; i++) {
                h[tOff + i][tOff + i] += wl;
            }
            if (l >= 2) {
                for (int i = 0; i < w; i++) {
                    for (int j = 0; j < w; j++) {
                        h[tOff + i][sOff + j] -= wl * wm[i][j];
                        h[sOff + j][tOff + i] -= wl * wm[i][j];
                        double s = 0;
                        for (int k = 0; k < w; k++) {
                            s += wm[k][i] * wm[k][j];
                        }
                        h[sOff + i][sOff + j] += wl * s;
                    }
                }
            }
        }
        for (int a = 0; a < n; a++) {
            double da = Math.sqrt(plan.stepSizes().get("x" + (a / w + 1)));
            for (int b = 0; b < n; b++) {
                h[a][b] *= da * Math.sqrt(plan.stepSizes().get("x" + (b / w + 1)));
            }
        }
        double[] ev = new EigenDecomposition(new Array2DRowRealMatrix(h, false)).getRealEigenvalues();
        double max = 0, min = Double.POSITIVE_INFINITY;
        for (double v : ev) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        return min > 0 ? max / min : Double.POSITIVE_INFINITY;
    }

    private static long stepsToConverge(Chain chain, Program program, RelaxationPlan plan, long maxSteps) {
        // a schedule takes whole phases: its step counts are multiples of the depth
        for (long s = plan.scheduled() ? chain.depth() : 1; s <= maxSteps; s *= 2) {
            if (errorAfter(chain, program, plan, s) <= 1e-3) {
                return s;
            }
        }
        return -1;
    }

    /** Relative error of the last layer after {@code steps} steps at T = 0 from the zero state. */
    static double errorAfter(Chain chain, Program program, RelaxationPlan plan, long steps) {
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            s.program(program);
            RunSpec.Builder b = RunSpec.builder().temperature(0).stepSize(plan.eta())
                    .divergenceBound(Double.MAX_VALUE);
            plan.stepSizes().forEach(b::stepSize);
            if (plan.scheduled()) {
                if (steps < chain.depth()) {
                    return Double.POSITIVE_INFINITY; // too few steps for one per phase: the last layer never ran
                }
                b.schedule(Schedule.byDepth(program, steps / chain.depth(), 1));
            } else {
                b.steps(steps - 1, 1);
            }
            RunResult r;
            try {
                r = s.run(b.build());
            } catch (dev.tdi.substrate.DivergenceException e) {
                return Double.POSITIVE_INFINITY;
            }
            float[] last = r.meanOverChains("x" + chain.depth());
            double num = 0, den = 0;
            for (int i = 0; i < last.length; i++) {
                double d = last[i] - chain.forward()[i];
                num += d * d;
                den += chain.forward()[i] * chain.forward()[i];
            }
            return Math.sqrt(num / den);
        }
    }

    /**
     * A random linear chain x_l = W_l x_{l-1} with ||W_l||_2 = norm, x_0 clamped to a random vector. Entries have
     * random signs and magnitudes uniform in [0.1, 1] before scaling, so the couplings themselves span one decade
     * and the plan's weights decide the program's dynamic range.
     */
    record Chain(int depth, int width, double[][][] weights, float[] input, double[] forward) {

        static Chain random(int depth, int width, double norm, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            double[][][] w = new double[depth][width][width];
            for (int l = 0; l < depth; l++) {
                for (int i = 0; i < width; i++) {
                    for (int j = 0; j < width; j++) {
                        w[l][i][j] = (r.nextBoolean() ? 1 : -1) * (0.1 + 0.9 * r.nextDouble());
                    }
                }
                double s = Operators.spectralNorm(DenseOperator.of(w[l]), 200);
                for (double[] row : w[l]) {
                    for (int j = 0; j < width; j++) {
                        row[j] = (float) (row[j] * norm / s);
                    }
                }
            }
            float[] in = new float[width];
            for (int i = 0; i < width; i++) {
                in[i] = (float) r.nextGaussian();
            }
            double[] x = new double[width];
            for (int i = 0; i < width; i++) {
                x[i] = in[i];
            }
            for (int l = 0; l < depth; l++) {
                double[] y = new double[width];
                for (int i = 0; i < width; i++) {
                    for (int j = 0; j < width; j++) {
                        y[i] += w[l][i][j] * x[j];
                    }
                }
                x = y;
            }
            return new Chain(depth, width, w, in, x);
        }

        List<RelaxationPlan.Edge> edges() {
            List<RelaxationPlan.Edge> edges = new ArrayList<>();
            for (int l = 1; l <= depth; l++) {
                List<Map.Entry<String, Operator>> src = List.of(
                        new AbstractMap.SimpleImmutableEntry<>("x" + (l - 1), DenseOperator.of(weights[l - 1])));
                edges.add(new RelaxationPlan.Edge("x" + l, src));
            }
            return edges;
        }

        Program program(RelaxationPlan plan) {
            Program.Builder b = Program.builder().module("x0", width);
            for (int l = 1; l <= depth; l++) {
                b.module("x" + l, width);
            }
            b.clamp("x0", input);
            for (int l = 1; l <= depth; l++) {
                b.residual("x" + l, Activation.IDENTITY, new float[width], plan.weights().get("x" + l),
                        new Factor.Source("x" + (l - 1), DenseOperator.of(weights[l - 1])));
            }
            return b.build();
        }
    }
}
