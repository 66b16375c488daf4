package dev.tdi.substrate.fpga.device;

import static dev.tdi.substrate.fpga.device.Registers.*;

import dev.tdi.substrate.program.FactorKind;
import dev.tdi.substrate.program.OperatorKind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The bit-exact emulator of the TDI-F1 device: a BAR (register window followed by device memory) in a
 * {@link MemorySegment}, a command sequencer thread that acts on CTRL writes, and the {@link Datapath}.
 * <p>
 * The BAR may be private memory (in-process and TCP front ends call {@link #write32} and friends) or a shared
 * memory-mapped file (the mmap front end: the host writes the file, the sequencer polls CTRL in it), exactly as a
 * driver would see a UIO or XDMA BAR.
 */
public final class FpgaDevice implements AutoCloseable {
    /** Units the reference design holds. */
    public static final int MAX_UNITS = 1 << 20;
    /** Chains the reference design runs at once (the SEED region holds this many keys). */
    public static final int MAX_CHAINS = 256;

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_U = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle REG = INT.varHandle();

    /** Misbehaviours a test can switch on to exercise the driver's fault handling. */
    public static final class Faults {
        /** The next run finishes its steps but never reports DONE (stays BUSY until ABORT or RESET). */
        public volatile boolean neverDone;
        /** The next START raises ERROR with {@link Registers#ERR_PARITY} after this many steps (-1: off). */
        public volatile long parityErrorAfterSteps = -1;
        /** The sequencer sleeps this long before acting on each command (a slow or stalled device). */
        public volatile long commandDelayMillis;
        /** Chain 0 sleeps this long every 16 steps (a slow device that still makes progress). */
        public volatile long throttleMillisPer16Steps;
    }

    private final Arena arena;
    private final MemorySegment bar;
    private final long memSize;
    private final Thread sequencer;
    private final ExecutorService lanes;
    private final Faults faults = new Faults();
    private final long pollNanos;
    private volatile boolean closed;
    private volatile LoadedProgram program;
    private long totalSteps;

    /** An emulator with private memory of {@code memBytes} bytes. */
    public static FpgaDevice inMemory(long memBytes, int threads) {
        Arena arena = Arena.ofShared();
        MemorySegment bar = arena.allocate(REG_WINDOW + memBytes, 4096);
        return new FpgaDevice(arena, bar, threads, 20_000);
    }

    /**
     * An emulator serving a BAR that lives in {@code bar} (for example a mapped file shared with a driver in
     * another process); the sequencer polls CTRL every {@code pollMicros}. The caller keeps {@code arena} alive
     * and closes it after this device.
     */
    public static FpgaDevice onSegment(MemorySegment bar, int threads, long pollMicros) {
        return new FpgaDevice(null, bar, threads, pollMicros * 1000);
    }

    private FpgaDevice(Arena arena, MemorySegment bar, int threads, long pollNanos) {
        if (bar.byteSize() < REG_WINDOW + 4096) {
            throw new IllegalArgumentException("a BAR needs at least " + (REG_WINDOW + 4096) + " bytes");
        }
        this.arena = arena;
        this.bar = bar;
        this.memSize = bar.byteSize() - REG_WINDOW;
        this.pollNanos = pollNanos;
        int n = Math.max(1, threads);
        this.lanes = n == 1 ? null : Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "tdi-fpga-lane");
            t.setDaemon(true);
            return t;
        });
        resetRegisters();
        this.sequencer = Thread.ofPlatform().daemon().name("tdi-fpga-sequencer").start(this::sequence);
    }

    /** Fault switches (tests). */
    public Faults faults() {
        return faults;
    }

    /** Bytes of device memory. */
    public long memorySize() {
        return memSize;
    }

    /** Bytes of the whole BAR. */
    public long barSize() {
        return bar.byteSize();
    }

    private void resetRegisters() {
        for (int off = 0; off < REG_WINDOW; off += 4) {
            reg(off, 0);
        }
        reg(ID, ID_MAGIC);
        reg(VERSION, VERSION_VALUE);
        reg(CAP_MAX_UNITS, MAX_UNITS);
        reg(CAP_MAX_CHAINS, MAX_CHAINS);
        reg(CAP_FORMAT, 32 | (Fx.FRAC << 8) | (Fx.WEIGHT_BITS << 16) | (Fx.FRAC << 24));
        int ops = 0;
        for (OperatorKind k : OperatorKind.values()) {
            ops |= 1 << k.ordinal();
        }
        reg(CAP_OPS, ops);
        int fk = 0;
        for (FactorKind k : FactorKind.values()) {
            fk |= 1 << k.ordinal();
        }
        reg(CAP_FACTORS, fk);
        reg(CAP_FEATURES, FEAT_SCHEDULES);
        reg(CAP_MEM_SIZE_LO, (int) memSize);
        reg(CAP_MEM_SIZE_HI, (int) (memSize >>> 32));
        reg(DIV_BOUND, Integer.MAX_VALUE);
    }

    // ---- host-side access (in-process and network front ends) ----

    /** Reads a 32-bit register or memory word at a BAR offset. */
    public int read32(long offset) {
        checkRange(offset, 4);
        return offset < REG_WINDOW ? reg((int) offset) : bar.get(INT_U, offset);
    }

    /** Writes a 32-bit register or memory word; a CTRL write rings the sequencer. */
    public void write32(long offset, int value) {
        checkRange(offset, 4);
        if (offset < REG_WINDOW) {
            if (isReadOnly((int) offset)) {
                return;
            }
            if (offset == CTRL) {
                REG.getAndBitwiseOr(bar, (long) CTRL, value);
                LockSupport.unpark(sequencer);
                return;
            }
            reg((int) offset, value);
        } else {
            bar.set(INT_U, offset, value);
        }
    }

    /** Copies device memory into {@code dst}. */
    public void read(long offset, byte[] dst, int off, int len) {
        checkRange(offset, len);
        MemorySegment.copy(bar, ValueLayout.JAVA_BYTE, offset, dst, off, len);
    }

    /** Copies {@code src} into device memory (writes into the register window are refused). */
    public void write(long offset, byte[] src, int off, int len) {
        checkRange(offset, len);
        if (offset < REG_WINDOW) {
            throw new IllegalArgumentException("bulk writes go to device memory (offset >= 0x1000), not registers");
        }
        MemorySegment.copy(src, off, bar, ValueLayout.JAVA_BYTE, offset, len);
    }

    /** Bumps a link counter (network front ends). */
    public void countLink(int register) {
        REG.getAndAdd(bar, (long) register, 1);
    }

    private static boolean isReadOnly(int off) {
        return off < CTRL || off == STATUS || off == ERROR_CODE || off == ERROR_INFO || off == LOADED_TAG
                || off == CMD_SEQ
                || (off >= STEPS_DONE_LO && off < SCHED_ADDR) || off > SCHED_ADDR;
    }

    private void checkRange(long offset, long len) {
        if (offset < 0 || len < 0 || offset + len > bar.byteSize()) {
            throw new IndexOutOfBoundsException(String.format("access [0x%x, +%d) outside the %d-byte BAR", offset,
                    len, bar.byteSize()));
        }
    }

    private int reg(int off) {
        return (int) REG.getVolatile(bar, (long) off);
    }

    private void reg(int off, int v) {
        REG.setVolatile(bar, (long) off, v);
    }

    private long reg64(int lo) {
        return (reg(lo) & 0xFFFF_FFFFL) | ((long) reg(lo + 4) << 32);
    }

    private void reg64(int lo, long v) {
        reg(lo + 4, (int) (v >>> 32));
        reg(lo, (int) v);
    }

    // ---- the sequencer ----

    private void sequence() {
        long idle = pollNanos;
        while (!closed) {
            int cmd = (int) REG.getAndSet(bar, (long) CTRL, 0);
            if (cmd == 0) {
                LockSupport.parkNanos(idle);
                // Back off while idle; a host write through write32 unparks at once, a mapped-file host is
                // noticed within the current poll interval (at most 2 ms).
                idle = Math.min(idle * 2, arena != null ? 50_000_000L : 2_000_000L);
                continue;
            }
            idle = pollNanos;
            long delay = faults.commandDelayMillis;
            if (delay > 0) {
                sleep(delay);
            }
            try {
                if ((cmd & CTRL_RESET) != 0) {
                    int seq = reg(CMD_SEQ);
                    reset();
                    reg(CMD_SEQ, seq);
                    cmd = 0;
                }
                if ((cmd & CTRL_CLEAR_ERROR) != 0) {
                    reg(STATUS, reg(STATUS) & ST_READY);
                    reg(ERROR_CODE, ERR_NONE);
                    reg(ERROR_INFO, 0);
                }
                if ((cmd & CTRL_LOAD) != 0) {
                    load();
                }
                if ((cmd & CTRL_START) != 0) {
                    start();
                }
            } catch (RuntimeException e) {
                fail(ERR_BAD_PARAM, 0);
            }
            REG.getAndAdd(bar, (long) CMD_SEQ, 1);
        }
    }

    private void reset() {
        program = null;
        int keepLink1 = reg(LINK_CRC_ERRORS);
        int keepLink2 = reg(LINK_REPLAYS);
        resetRegisters();
        reg(LINK_CRC_ERRORS, keepLink1);
        reg(LINK_REPLAYS, keepLink2);
    }

    private void fail(int code, int info) {
        reg(ERROR_CODE, code);
        reg(ERROR_INFO, info);
        reg(STATUS, (reg(STATUS) & ST_READY) | ST_ERROR);
        REG.getAndBitwiseOr(bar, (long) IRQ_STATUS, 1);
    }

    private boolean inMemory(long addr, long len) {
        return addr >= MEM_BASE && len >= 0 && addr + len <= bar.byteSize();
    }

    private void load() {
        program = null;
        reg(STATUS, ST_BUSY);
        long addr = reg(PROG_ADDR) & 0xFFFF_FFFFL;
        long len = reg(PROG_LEN) & 0xFFFF_FFFFL;
        if (!inMemory(addr, len) || len % 4 != 0) {
            reg(STATUS, 0);
            fail(ERR_REGION, PROG_ADDR);
            return;
        }
        int[] words = new int[(int) (len / 4)];
        MemorySegment.copy(bar, INT_U, addr, words, 0, words.length);
        try {
            LoadedProgram p = LoadedProgram.parse(words, MAX_UNITS);
            program = p;
            reg(LOADED_TAG, reg(PROG_TAG));
            reg(STATUS, ST_READY);
        } catch (LoadedProgram.BadImageException e) {
            reg(STATUS, 0);
            fail(ERR_BAD_IMAGE, e.getMessage().hashCode());
        }
    }

    private void start() {
        LoadedProgram p = program;
        if (p == null) {
            fail(ERR_NOT_LOADED, 0);
            return;
        }
        reg(STATUS, ST_READY | ST_BUSY);
        reg64(STEPS_DONE_LO, 0);
        reg(SAT_STATE, 0);
        reg(SAT_INTERNAL, 0);
        int chains = reg(CHAINS);
        long steps = reg64(N_STEPS_LO);
        long base = reg64(STEP_BASE_LO);
        int flags = reg(RUN_FLAGS);
        if (chains < 1 || chains > MAX_CHAINS || steps < 0 || base < 0) {
            reg(STATUS, ST_READY);
            fail(ERR_BAD_PARAM, CHAINS);
            return;
        }
        int n = p.units;
        long biasAddr = reg(BIAS_ADDR) & 0xFFFF_FFFFL;
        long clampAddr = reg(CLAMP_ADDR) & 0xFFFF_FFFFL;
        long paramAddr = reg(PARAM_ADDR) & 0xFFFF_FFFFL;
        long seedAddr = reg(SEED_ADDR) & 0xFFFF_FFFFL;
        long stateAddr = reg(STATE_ADDR) & 0xFFFF_FFFFL;
        long accAddr = reg(ACC_ADDR) & 0xFFFF_FFFFL;
        boolean scheduled = (flags & RF_SCHEDULE) != 0;
        boolean acc = scheduled || (flags & RF_ACC_ENABLE) != 0;
        if (!inMemory(biasAddr, 4L * p.biasWords) || !inMemory(clampAddr, 4L * p.clampWords)
                || !inMemory(paramAddr, 8L * p.modules.length) || !inMemory(seedAddr, 8L * chains)
                || !inMemory(stateAddr, 4L * n * chains) || (acc && !inMemory(accAddr, 8L * n * chains))) {
            reg(STATUS, ST_READY);
            fail(ERR_REGION, STATE_ADDR);
            return;
        }
        ScheduleTable schedule = null;
        if (scheduled) {
            schedule = schedule(p, base, steps);
            if (schedule == null) {
                reg(STATUS, ST_READY);
                fail(ERR_BAD_PARAM, SCHED_ADDR);
                return;
            }
        }
        int[] bias = new int[p.biasWords];
        MemorySegment.copy(bar, INT_U, biasAddr, bias, 0, bias.length);
        int[] clamp = new int[p.clampWords];
        MemorySegment.copy(bar, INT_U, clampAddr, clamp, 0, clamp.length);
        long[] dt = new long[p.modules.length];
        long[] sigma = new long[p.modules.length];
        for (int m = 0; m < dt.length; m++) {
            dt[m] = bar.get(INT_U, paramAddr + 8L * m) & 0xFFFF_FFFFL;
            sigma[m] = bar.get(INT_U, paramAddr + 8L * m + 4) & 0xFFFF_FFFFL;
        }
        long[] keys = new long[chains];
        MemorySegment.copy(bar, LONG_U, seedAddr, keys, 0, chains);
        int[][] states = new int[chains][n];
        long[][] accs = acc ? new long[chains][n] : null;
        for (int c = 0; c < chains; c++) {
            MemorySegment.copy(bar, INT_U, stateAddr + 4L * n * c, states[c], 0, n);
            if (acc && (flags & RF_ACC_CLEAR) == 0) {
                MemorySegment.copy(bar, LONG_U, accAddr + 8L * n * c, accs[c], 0, n);
            }
        }
        int divBound = reg(DIV_BOUND);
        long parityAt = faults.parityErrorAfterSteps;
        long runSteps = parityAt >= 0 ? Math.min(parityAt, steps) : steps;
        Datapath.Outcome o = Datapath.run(new Datapath.Run(p, bias, clamp, dt, sigma, keys, states, accs, runSteps,
                base, flags, divBound < 0 ? Integer.MAX_VALUE : divBound, schedule), lanes,
                () -> (reg(CTRL) & (CTRL_ABORT | CTRL_RESET)) != 0 || closed, done -> {
                    reg64(STEPS_DONE_LO, done);
                    long throttle = faults.throttleMillisPer16Steps;
                    if (throttle > 0) {
                        sleep(throttle);
                    }
                });
        totalSteps += o.stepsDone();
        reg64(TOTAL_STEPS_LO, totalSteps);
        reg64(STEPS_DONE_LO, o.stepsDone());
        reg(SAT_STATE, (int) Math.min(Integer.MAX_VALUE, o.satState()));
        reg(SAT_INTERNAL, (int) Math.min(Integer.MAX_VALUE, o.satInternal()));
        for (int c = 0; c < chains; c++) {
            MemorySegment.copy(states[c], 0, bar, INT_U, stateAddr + 4L * n * c, n);
            if (acc) {
                MemorySegment.copy(accs[c], 0, bar, LONG_U, accAddr + 8L * n * c, n);
            }
        }
        if (parityAt >= 0) {
            faults.parityErrorAfterSteps = -1;
            reg(STATUS, ST_READY);
            fail(ERR_PARITY, (int) runSteps);
            return;
        }
        if (o.aborted()) {
            REG.getAndBitwiseAnd(bar, (long) CTRL, ~CTRL_ABORT);
            reg(STATUS, ST_READY | ST_ABORTED);
            REG.getAndBitwiseOr(bar, (long) IRQ_STATUS, 1);
            return;
        }
        if (o.diverged()) {
            reg64(DIV_STEP_LO, o.divStep());
            reg(DIV_CHAIN, o.divChain());
            reg(DIV_UNIT, o.divUnit());
            reg64(DIV_VALUE_LO, o.divValue());
            reg(STATUS, ST_READY | ST_DIVERGED);
            REG.getAndBitwiseOr(bar, (long) IRQ_STATUS, 1);
            return;
        }
        if (faults.neverDone) {
            faults.neverDone = false;
            while (!closed && (reg(CTRL) & (CTRL_ABORT | CTRL_RESET)) == 0) {
                LockSupport.parkNanos(200_000);
            }
            if ((reg(CTRL) & CTRL_ABORT) != 0) {
                REG.getAndBitwiseAnd(bar, (long) CTRL, ~CTRL_ABORT);
                reg(STATUS, ST_READY | ST_ABORTED);
            }
            return;
        }
        reg(STATUS, ST_READY | ST_DONE);
        REG.getAndBitwiseOr(bar, (long) IRQ_STATUS, 1);
    }

    /**
     * Decodes the SCHED table for a START of {@code steps} steps from {@code base}; null when it lies outside
     * memory, is malformed or does not cover those steps (the caller raises BAD_PARAM with SCHED_ADDR).
     */
    private ScheduleTable schedule(LoadedProgram p, long base, long steps) {
        long addr = reg(SCHED_ADDR) & 0xFFFF_FFFFL;
        if (!inMemory(addr, 8L)) {
            return null;
        }
        int phases = bar.get(INT_U, addr);
        long words = ScheduleTable.HEADER_WORDS + (long) ScheduleTable.PHASE_WORDS * Math.max(0, phases)
                + p.modules.length;
        if (phases < 1 || phases > MAX_PHASES || !inMemory(addr, 4 * words)) {
            return null;
        }
        int[] w = new int[(int) words];
        MemorySegment.copy(bar, INT_U, addr, w, 0, w.length);
        try {
            ScheduleTable t = ScheduleTable.parse(w, p);
            return base <= t.totalSteps() && steps <= t.totalSteps() - base ? t : null;
        } catch (ScheduleTable.BadScheduleException e) {
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The loaded program (tests and tools). */
    public LoadedProgram loadedProgram() {
        return program;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sequencer);
        try {
            sequencer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lanes != null) {
            lanes.shutdownNow();
            try {
                lanes.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (arena != null) {
            arena.close();
        }
    }
}
