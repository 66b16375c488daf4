package dev.tdi.substrate.fpga.compiler;

import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.ScheduleTable;
import java.util.Locale;

/**
 * What a compiled program needs on a real board built to docs/fpga-device.md ("Resources"): on-chip memory for
 * the coupling images, tables and the states of the chains in flight, off-chip memory for the run regions, and
 * the multiply-accumulate rate that sets steps per second.
 *
 * @param units          units of the program
 * @param weightBits     coupling images, stencils and low-rank factors (24-bit words)
 * @param indexBits      sparse row pointers and column indices (32-bit words)
 * @param tableBits      module, operator, residual, coupling and bias tables (32-bit words)
 * @param fieldBits      BIAS and CLAMP regions (32-bit words)
 * @param laneStateBits  on-chip working set of one chain in flight: state (32), force accumulator (64) and
 *                       residual scratch (64 + 32 per residual target unit)
 * @param ddrBytesPerChain STATE (4 B) and ACC (8 B) per unit in device DRAM
 * @param macsPerStep    multiply-accumulates per step of one chain
 */
public record ResourceEstimate(long units, long weightBits, long indexBits, long tableBits, long fieldBits,
                               long laneStateBits, long ddrBytesPerChain, long macsPerStep) {

    /** URAM blocks (288 Kib each) to hold the program and {@code chainsInFlight} working sets on chip. */
    public long uramBlocks(int chainsInFlight) {
        long bits = weightBits + indexBits + tableBits + fieldBits + (long) chainsInFlight * laneStateBits;
        return (bits + 288L * 1024 - 1) / (288L * 1024);
    }

    /**
     * DSP48E2 slices of a design with {@code macLanes} MAC lanes and {@code updateLanes} update lanes: 3 per MAC
     * lane (a 24 x 32 product in two slices, one for the 64-bit accumulate), 6 per update lane (dt x force 32 x 48
     * in four, sigma x xi in two) and 32 per update lane for the two 64 x 64 multiplies of the noise hash.
     */
    public static long dsps(int macLanes, int updateLanes) {
        return 3L * macLanes + 38L * updateLanes;
    }

    /** Pipeline fill and drain per step (sequencer, reduction tree, update pipeline), in cycles. */
    public static final int STEP_LATENCY_CYCLES = 64;

    /**
     * Steps per second of one chain at {@code clockMHz}, ignoring DRAM stalls: a step takes the longer of its MAC
     * work over the MAC lanes and its unit updates over the update lanes, plus the pipeline latency.
     */
    public double stepsPerSecond(int macLanes, int updateLanes, double clockMHz) {
        double cycles = Math.max(Math.ceil((double) macsPerStep / macLanes), Math.ceil((double) units / updateLanes))
                + STEP_LATENCY_CYCLES;
        return clockMHz * 1e6 / cycles;
    }

    /** Latency of the pipelined hold divider (a 64-bit sum by a window of up to 31 bits), in cycles. */
    public static final int HOLD_LATENCY_CYCLES = 64;

    /**
     * Cycles of one chain's scheduled run, per phase q: the sequencer's decode of the phase's enable bits (one table
     * entry per cycle, {@link ScheduleTable#decodeEntries()}), the steps at the phase's own work
     * (steps_q x (max(ceil(MACs_q / P), ceil(units_q / Q)) + {@value #STEP_LATENCY_CYCLES})), and the hold:
     * ceil(units_q / Q) divisions through the pipelined divider plus its {@value #HOLD_LATENCY_CYCLES}-cycle latency.
     * DRAM stalls are ignored as in {@link #stepsPerSecond}.
     */
    public static long[] scheduledCycles(ScheduleTable t, int macLanes, int updateLanes) {
        long[] cycles = new long[t.phases()];
        for (int q = 0; q < cycles.length; q++) {
            long units = t.movingUnits(q);
            long step = Math.max(ceilDiv(t.macsPerStep(q), macLanes), ceilDiv(units, updateLanes))
                    + STEP_LATENCY_CYCLES;
            cycles[q] = t.decodeEntries() + t.steps(q) * step + phaseOverhead(units, updateLanes);
        }
        return cycles;
    }

    /** The hold's cycles at the end of a phase that moved {@code units} units. */
    public static long phaseOverhead(long units, int updateLanes) {
        return ceilDiv(units, updateLanes) + HOLD_LATENCY_CYCLES;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** A readable summary for a board of {@code macLanes} lanes at {@code clockMHz}. */
    public String describe(int macLanes, int updateLanes, double clockMHz, int chainsInFlight) {
        return String.format(Locale.ROOT, "%d units; on chip %.2f Mib (weights %.2f, indices %.2f, tables %.2f,"
                        + " fields %.2f, %d working set(s) of %.2f) = %d URAM blocks; DRAM %d B per chain;"
                        + " %d MACs/step/chain; %d MAC lanes + %d update lanes = %d DSP48E2; %.0f steps/s per chain"
                        + " at %.0f MHz", units, mib(weightBits + indexBits + tableBits + fieldBits
                        + (long) chainsInFlight * laneStateBits), mib(weightBits), mib(indexBits), mib(tableBits),
                mib(fieldBits), chainsInFlight, mib(laneStateBits), uramBlocks(chainsInFlight), ddrBytesPerChain,
                macsPerStep, macLanes, updateLanes, dsps(macLanes, updateLanes), stepsPerSecond(macLanes, updateLanes, clockMHz),
                clockMHz);
    }

    private static double mib(long bits) {
        return bits / (1024.0 * 1024.0);
    }

    /** The estimate for a compiled program of {@code units} units with {@code residualUnits} residual targets. */
    static ResourceEstimate of(CompiledProgram c, long units, long residualUnits, long indexWords) {
        long tableWords = c.image().length - c.weightWords() - indexWords;
        return new ResourceEstimate(units, c.weightWords() * Fx.WEIGHT_BITS, indexWords * 32, tableWords * 32,
                32L * (c.initialBias().length + c.initialClamp().length), units * 96 + residualUnits * 96,
                units * 12, c.macsPerStep());
    }
}
