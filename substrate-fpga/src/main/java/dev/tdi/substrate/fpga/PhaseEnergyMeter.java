package dev.tdi.substrate.fpga;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The per-phase energies of a scheduled run ({@link RunResult.PhaseEnergy}), evaluated on the host in double
 * precision ({@link HostEvaluator}) from the states read back at each phase boundary: U of the phase's active
 * factors at its start and at its end, averaged over chains. Each factor is evaluated again only after a module it
 * touches has moved, so a whole run costs about one evaluation of U per chain.
 */
final class PhaseEnergyMeter {
    private final HostEvaluator evaluator;
    private final Function<String, float[]> bias;
    private final int[] activation;
    private final int[][] touched;
    private final int[] release;
    private final boolean[] valid;
    private double[][] cache;
    private final List<RunResult.PhaseEnergy> energies = new ArrayList<>();
    private double start;

    PhaseEnergyMeter(HostEvaluator evaluator, Program program, Schedule schedule, Function<String, float[]> bias) {
        this.evaluator = evaluator;
        this.bias = bias;
        this.release = schedule.releasePhase(program);
        List<Factor> factors = program.factors();
        this.activation = new int[factors.size()];
        this.touched = new int[factors.size()][];
        for (int f = 0; f < activation.length; f++) {
            activation[f] = Schedule.activationPhase(factors.get(f), program, release);
            touched[f] = Schedule.modulesOf(factors.get(f)).stream().mapToInt(m -> program.module(m).index())
                    .toArray();
        }
        this.valid = new boolean[activation.length];
    }

    /** The states as phase {@code phase} begins ([chain][unit], dequantised). */
    void phaseStarts(int phase, double[][] x) {
        start = mean(phase, x);
    }

    /** The states after phase {@code phase} held its modules. */
    void phaseEnds(int phase, double[][] x) {
        for (int f = 0; f < valid.length; f++) {
            for (int m : touched[f]) {
                if (release[m] == phase) {
                    valid[f] = false;
                }
            }
        }
        energies.add(new RunResult.PhaseEnergy(start, mean(phase, x)));
    }

    /** The energies of the phases ended so far. */
    List<RunResult.PhaseEnergy> energies() {
        return energies;
    }

    /** U of the factors active in {@code phase}, averaged over chains; stale factors are evaluated again. */
    private double mean(int phase, double[][] x) {
        if (cache == null) {
            cache = new double[x.length][activation.length];
        }
        double sum = 0;
        for (int f = 0; f < activation.length; f++) {
            if (activation[f] > phase) {
                continue;
            }
            if (!valid[f]) {
                for (int c = 0; c < x.length; c++) {
                    cache[c][f] = evaluator.factorEnergy(f, x[c], bias);
                }
                valid[f] = true;
            }
            for (int c = 0; c < x.length; c++) {
                sum += cache[c][f];
            }
        }
        return sum / x.length;
    }
}
