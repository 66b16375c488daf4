package dev.tdi.substrate;

import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Program;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A relaxation schedule: the device releases modules phase by phase and holds each one once its phase ends, so
 * upstream modules are held while downstream ones settle ({@link Feature#SCHEDULES}).
 * <p>
 * Semantics, the same on every backend:
 * <ul>
 *   <li>Before its phase a module rests at its initial state; it is neither updated nor felt: a factor is
 *       <em>active</em> in phase p only when every free module it touches has been released in phase p or
 *       earlier (clamped modules count as released from the start).</li>
 *   <li>In phase p the modules it releases move under the active factors for {@code steps} steps (the run's
 *       step sizes, temperature and walls); every module released earlier is held fixed.</li>
 *   <li>At the end of phase p each module it released is set to its mean over the phase's last {@code window}
 *       steps (window 1 holds the last state) and is held from then on: an integrating sample-and-hold.</li>
 *   <li>The run ends after the last phase; every free module must be released exactly once. The read-out mean of
 *       each module is its held value; the final state is the same.</li>
 * </ul>
 * For a program whose free modules are each the target of one Residual factor and nothing else (a feed-forward
 * network), each phase samples its modules from the exact conditional distribution given the held upstream
 * states once it has equilibrated, so the schedule draws the program's Boltzmann distribution by ancestral
 * sampling, with no backward pull and no dependence on residual weights (docs/physics.md, section 4).
 *
 * @param phases the phases, in order
 */
public record Schedule(List<Phase> phases) {

    /**
     * One phase.
     *
     * @param release the modules released in this phase
     * @param steps   steps they move (>= 1)
     * @param window  steps at the phase's end averaged into the held value (1 <= window <= steps)
     */
    public record Phase(Set<String> release, long steps, long window) {
        public Phase {
            release = Set.copyOf(new LinkedHashSet<>(release));
            if (release.isEmpty()) {
                throw new InvalidProgramException("a schedule phase must release at least one module");
            }
            if (steps < 1) {
                throw new InvalidProgramException("a schedule phase needs steps >= 1, found " + steps);
            }
            if (window < 1 || window > steps) {
                throw new InvalidProgramException("a schedule phase needs 1 <= window <= steps (" + steps
                        + "), found " + window);
            }
        }
    }

    public Schedule {
        phases = List.copyOf(phases);
        if (phases.isEmpty()) {
            throw new InvalidProgramException("a schedule needs at least one phase");
        }
    }

    /** Steps of the whole schedule. */
    public long totalSteps() {
        return phases.stream().mapToLong(Phase::steps).sum();
    }

    /**
     * Every reason this schedule does not fit {@code program}: unknown or clamped modules, a module released
     * twice, a free module never released. Empty when it fits.
     */
    public List<String> problemsWith(Program program) {
        List<String> problems = new ArrayList<>();
        Set<String> clamped = new HashSet<>(program.clampedModules());
        Set<String> seen = new HashSet<>();
        for (int p = 0; p < phases.size(); p++) {
            for (String m : phases.get(p).release()) {
                if (!program.hasModule(m)) {
                    problems.add("schedule phase " + p + " releases unknown module '" + m + "'");
                } else if (clamped.contains(m)) {
                    problems.add("schedule phase " + p + " releases clamped module '" + m + "' (clamped modules"
                            + " are held by their clamp)");
                } else if (!seen.add(m)) {
                    problems.add("schedule phase " + p + " releases module '" + m + "' a second time");
                }
            }
        }
        List<String> never = program.modules().stream().map(x -> x.name())
                .filter(m -> !clamped.contains(m) && !seen.contains(m)).sorted().toList();
        if (!never.isEmpty()) {
            problems.add("the schedule never releases free module(s) " + never + "; every free module must be"
                    + " released in exactly one phase");
        }
        return problems;
    }

    /**
     * The phase index at which each module becomes active: -1 for clamped modules, else the phase releasing it.
     * Indexed by the program's module index.
     */
    public int[] releasePhase(Program program) {
        int[] at = new int[program.modules().size()];
        for (String m : program.clampedModules()) {
            at[program.module(m).index()] = -1;
        }
        for (int p = 0; p < phases.size(); p++) {
            for (String m : phases.get(p).release()) {
                at[program.module(m).index()] = p;
            }
        }
        return at;
    }

    /** The phase from which {@code factor} is active: the latest release phase among the modules it touches. */
    public static int activationPhase(Factor factor, Program program, int[] releasePhase) {
        int p = -1;
        for (String m : modulesOf(factor)) {
            p = Math.max(p, releasePhase[program.module(m).index()]);
        }
        return p;
    }

    /** The modules a factor touches. */
    public static List<String> modulesOf(Factor factor) {
        return switch (factor) {
            case Factor.OnSite o -> List.of(o.module());
            case Factor.Coupling c -> List.of(c.a(), c.b());
            case Factor.Bias b -> List.of(b.module());
            case Factor.Clamp c -> List.of(c.module());
            case Factor.Residual r -> {
                List<String> ms = new ArrayList<>();
                ms.add(r.target());
                r.sources().forEach(s -> ms.add(s.module()));
                yield ms;
            }
        };
    }

    /**
     * A schedule that releases the free modules of a feed-forward program level by level: a module's level is one
     * more than the highest level among the free modules its Residual reads (0 when it reads only clamped ones).
     * Modules that no Residual targets are released in the first phase.
     */
    public static Schedule byDepth(Program program, long stepsPerPhase, long window) {
        Set<String> clamped = new HashSet<>(program.clampedModules());
        java.util.Map<String, Integer> level = new java.util.HashMap<>();
        // Residuals in the program's factor order need not be topological: iterate to a fixed point (a DAG of
        // depth d settles in d sweeps; a cycle is reported).
        int modules = program.modules().size();
        boolean changed = true;
        for (int sweep = 0; changed; sweep++) {
            if (sweep > modules + 1) {
                throw new InvalidProgramException("the program's residuals form a cycle; a depth schedule needs a"
                        + " feed-forward program");
            }
            changed = false;
            for (Factor f : program.factors()) {
                if (f instanceof Factor.Residual r && !clamped.contains(r.target())) {
                    int l = 0;
                    for (Factor.Source s : r.sources()) {
                        if (!clamped.contains(s.module())) {
                            l = Math.max(l, level.getOrDefault(s.module(), 0) + 1);
                        }
                    }
                    if (level.getOrDefault(r.target(), -1) < l) {
                        level.put(r.target(), l);
                        changed = true;
                    }
                }
            }
        }
        int depth = level.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        List<Set<String>> byLevel = new ArrayList<>();
        for (int l = 0; l <= depth; l++) {
            byLevel.add(new LinkedHashSet<>());
        }
        program.modules().forEach(m -> {
            if (!clamped.contains(m.name())) {
                byLevel.get(level.getOrDefault(m.name(), 0)).add(m.name());
            }
        });
        List<Phase> phases = new ArrayList<>();
        for (Set<String> s : byLevel) {
            if (!s.isEmpty()) {
                phases.add(new Phase(s, stepsPerPhase, window));
            }
        }
        return new Schedule(phases);
    }
}
