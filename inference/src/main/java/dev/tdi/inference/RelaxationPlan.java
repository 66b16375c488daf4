package dev.tdi.inference;

import dev.tdi.substrate.program.Operator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a compiled U-Net relaxes (docs/physics.md, section 4). Two kinds:
 * <ul>
 *   <li>{@link Kind#SCHEDULED} (the default): every residual weight is the same w, dt_l = 1 / w (eta = 1), and the
 *       device follows a hold schedule ({@link dev.tdi.substrate.Schedule#byDepth}): modules are released level by
 *       level and held once settled, so no module feels a downstream pull. Each phase is an isotropic quadratic in
 *       its own modules (curvature w), which one Euler-Maruyama step at dt w = 1 solves exactly at T = 0; at T &gt; 0
 *       each step is an independent draw of the phase's conditional distribution and the hold averages
 *       {@code holdWindow} of them. The weights span no range at all (ratio 1), whatever the depth.</li>
 *   <li>{@link Kind#GRADED}: the plan below, which keeps every module free and grades the weights instead.</li>
 *   <li>{@link Kind#UNIFORM}: all weights 1 and every module free, with the provably stable eta: the baseline whose
 *       slow convergence the other two remove.</li>
 * </ul>
 * The graded plan: the two levers that make a free relaxation fast are the residual weight w_l of every layer and
 * the per-module step size dt_l.
 * <p>
 * The curvature of U along module l is at most w_l (its own residual) plus sum_c w_c ||W_{c,l}||^2 (the residuals
 * of the consumers c that read l through W_{c,l}). Walking the DAG backwards from the sinks (w = 1), the plan sets
 * <pre>w_l = max(1, sum_c w_c ||W_{c,l}||^2 / gamma)</pre>
 * so that the downstream pull on l is at most gamma times its own stiffness; weights therefore decrease along the
 * DAG. With dt_l = eta / w_l every module relaxes its own residual at rate eta per step. Stability: the
 * preconditioned Hessian M^{1/2} H M^{1/2} (M = diag dt) is a sum of one positive semi-definite term per residual c,
 * of norm at most eta (1 + g_c) with g_c = sum over free sources s of (w_c / w_s) ||W_{c,s}||^2; summing those
 * bounds over the residuals that touch a module l gives S_l, and lambda_max <= eta max_l S_l. Euler-Maruyama is
 * stable when eta max_l S_l < 2, so the automatic eta is min(1, 0.95 * 2 / max_l S_l) (docs/physics.md).
 *
 * @param eta          the per-step relaxation fraction of each module's own residual
 * @param stableEta    2 / max_l S_l: the eta below which stability is proven
 * @param gamma        the bound on downstream pull relative to own stiffness
 * @param weights      w_l per residual target module
 * @param stepSizes    dt_l per free module
 * @param sourceNorms  ||W||_2 per "target<-source" edge, from power iteration (empty for a scheduled plan)
 * @param kind         how the device relaxes
 * @param holdWindow   scheduled plans: steps per phase, all averaged into the held value; 0 otherwise
 */
public record RelaxationPlan(double eta, double stableEta, double gamma, Map<String, Double> weights, Map<String, Double> stepSizes,
                             Map<String, Double> sourceNorms, Kind kind, long holdWindow) {

    /** How the device relaxes; see the class comment. */
    public enum Kind {
        /** Hold schedule, uniform weights: the default. */
        SCHEDULED,
        /** Every module free, weights graded along the DAG. */
        GRADED,
        /** Every module free, all weights 1. */
        UNIFORM
    }

    /** Default steps per phase of a scheduled plan, every one averaged into the held value. */
    public static final long DEFAULT_HOLD_WINDOW = 8;

    /** eta = NaN asks for the automatic, provably stable eta. */
    public static final double AUTO_ETA = Double.NaN;
    /** Default gamma. */
    public static final double DEFAULT_GAMMA = 0.1;
    /** Power-iteration rounds for the norm estimate; the estimate is inflated by {@link #NORM_SAFETY}. */
    static final int POWER_ITERATIONS = 40;
    static final double NORM_SAFETY = 1.05;

    public RelaxationPlan {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        stepSizes = Collections.unmodifiableMap(new LinkedHashMap<>(stepSizes));
        sourceNorms = Collections.unmodifiableMap(new LinkedHashMap<>(sourceNorms));
    }

    /** One residual as the planner sees it: target, and (source, operator) pairs. */
    public record Edge(String target, List<Map.Entry<String, Operator>> sources) {
    }

    /**
     * Plans weights and steps for residuals given in topological order.
     *
     * @throws IllegalArgumentException for eta or gamma outside the stable range
     */
    public static RelaxationPlan plan(List<Edge> residuals, double eta, double gamma) {
        return plan(residuals, eta, gamma, Double.POSITIVE_INFINITY);
    }

    /**
     * Plans as {@link #plan(List, double, double)}, but keeps every weight at or below {@code maxWeight}: a device
     * with fixed-point arithmetic cannot hold the 20-plus decades of weight that a small gamma builds up over a
     * deep network. gamma is doubled until the weights fit; the stationary point is unchanged (it does not depend
     * on the weights), only convergence slows as the downstream pull grows relative to each module's stiffness.
     *
     * @throws IllegalArgumentException for eta or gamma outside the stable range, or a maxWeight below 1
     */
    public static RelaxationPlan plan(List<Edge> residuals, double eta, double gamma, double maxWeight) {
        if (!(gamma > 0) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("relaxation gamma must be > 0, found " + gamma);
        }
        if (!Double.isNaN(eta) && !(eta > 0 && eta < 2)) {
            throw new IllegalArgumentException("relaxation eta must be in (0, 2) or automatic, found " + eta);
        }
        if (!(maxWeight >= 1)) {
            throw new IllegalArgumentException("the largest residual weight must be >= 1, found " + maxWeight);
        }
        Map<String, Double> norms = norms(residuals);
        Map<String, Double> w = weights(residuals, norms, gamma);
        while (w.values().stream().mapToDouble(Double::doubleValue).max().orElse(1) > maxWeight) {
            gamma *= 2; // at gamma >= every pull, every weight is 1 <= maxWeight, so this ends
            w = weights(residuals, norms, gamma);
        }
        return stablePlan(residuals, norms, w, eta, gamma);
    }

    private static Map<String, Double> norms(List<Edge> residuals) {
        Map<String, Double> norms = new LinkedHashMap<>();
        for (Edge e : residuals) {
            for (Map.Entry<String, Operator> s : e.sources()) {
                norms.put(e.target() + "<-" + s.getKey(),
                        Operators.spectralNorm(s.getValue(), POWER_ITERATIONS) * NORM_SAFETY);
            }
        }
        return norms;
    }

    /** w_l = max(1, sum over consumers c of w_c ||W_{c,l}||^2 / gamma), from the sinks back. */
    private static Map<String, Double> weights(List<Edge> residuals, Map<String, Double> norms, double gamma) {
        Map<String, Double> pull = new LinkedHashMap<>();
        Map<String, Double> w = new LinkedHashMap<>();
        List<Edge> reversed = new ArrayList<>(residuals);
        Collections.reverse(reversed);
        for (Edge e : reversed) {
            double wl = Math.max(1.0, pull.getOrDefault(e.target(), 0.0) / gamma);
            w.put(e.target(), wl);
            for (Map.Entry<String, Operator> s : e.sources()) {
                double n = norms.get(e.target() + "<-" + s.getKey());
                pull.merge(s.getKey(), wl * n * n, Double::sum);
            }
        }
        return w;
    }

    private static RelaxationPlan stablePlan(List<Edge> residuals, Map<String, Double> norms, Map<String, Double> w,
                                             double eta, double gamma) {
        // Stability bound: per residual c, g_c over free sources; S_l sums (1 + g_c) over residuals touching l.
        Map<String, Double> s = new LinkedHashMap<>();
        for (Edge e : residuals) {
            double wc = w.get(e.target());
            double g = 0;
            for (Map.Entry<String, Operator> src : e.sources()) {
                Double ws = w.get(src.getKey());
                if (ws != null) {
                    double n = norms.get(e.target() + "<-" + src.getKey());
                    g += wc / ws * n * n;
                }
            }
            s.merge(e.target(), 1 + g, Double::sum);
            for (Map.Entry<String, Operator> src : e.sources()) {
                if (w.containsKey(src.getKey())) {
                    s.merge(src.getKey(), 1 + g, Double::sum);
                }
            }
        }
        double maxS = s.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double stable = 2 / maxS;
        double chosen = Double.isNaN(eta) ? Math.min(1.0, 0.95 * stable) : eta;
        Map<String, Double> weights = new LinkedHashMap<>();
        Map<String, Double> dt = new LinkedHashMap<>();
        for (Edge e : residuals) {
            weights.put(e.target(), w.get(e.target()));
            dt.put(e.target(), chosen / w.get(e.target()));
        }
        return new RelaxationPlan(chosen, stable, gamma, weights, dt, norms, Kind.GRADED, 0);
    }

    /** Relaxation times (in each module's own time constant 1/w_l) elapsed in {@code steps} steps. */
    public double relaxationTimes(long steps) {
        return steps * eta;
    }

    /**
     * A scheduled plan: every residual weight {@code weight}, dt = 1 / weight, {@code holdWindow} steps per phase.
     *
     * @throws IllegalArgumentException for a weight that is not finite and positive, or a window below 1
     */
    public static RelaxationPlan scheduled(List<Edge> residuals, double weight, long holdWindow) {
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("the scheduled plan's residual weight must be finite and > 0, found "
                    + weight);
        }
        if (holdWindow < 1) {
            throw new IllegalArgumentException("the scheduled plan's hold window must be >= 1, found " + holdWindow);
        }
        Map<String, Double> w = new LinkedHashMap<>();
        Map<String, Double> dt = new LinkedHashMap<>();
        for (Edge e : residuals) {
            w.put(e.target(), weight);
            dt.put(e.target(), 1.0 / weight);
        }
        // In a phase each released module feels only its own residual: curvature w, stable below dt w = 2.
        return new RelaxationPlan(1.0, 2.0, Double.NaN, w, dt, Map.of(), Kind.SCHEDULED, holdWindow);
    }

    /** A uniform plan: every weight 1, every module free, the provably stable eta (or {@code eta}). */
    public static RelaxationPlan uniform(List<Edge> residuals, double eta) {
        Map<String, Double> norms = norms(residuals);
        Map<String, Double> w = new LinkedHashMap<>();
        residuals.forEach(e -> w.put(e.target(), 1.0));
        RelaxationPlan p = stablePlan(residuals, norms, w, eta, Double.NaN);
        return new RelaxationPlan(p.eta, p.stableEta, p.gamma, p.weights, p.stepSizes, p.sourceNorms, Kind.UNIFORM, 0);
    }

    /** True for a plan the device runs with a hold schedule. */
    public boolean scheduled() {
        return kind == Kind.SCHEDULED;
    }

    /** The device's hold schedule for {@code program} (scheduled plans only): level by level, holdWindow steps each. */
    public dev.tdi.substrate.Schedule schedule(dev.tdi.substrate.program.Program program) {
        if (!scheduled()) {
            throw new IllegalStateException("a " + kind + " plan has no schedule");
        }
        return dev.tdi.substrate.Schedule.byDepth(program, holdWindow, holdWindow);
    }

    /** The effective temperature of each module, T / w_l (the temperature its own residual sees). */
    public Map<String, Double> effectiveTemperatures(double temperature) {
        Map<String, Double> m = new LinkedHashMap<>();
        weights.forEach((k, v) -> m.put(k, temperature / v));
        return m;
    }
}
