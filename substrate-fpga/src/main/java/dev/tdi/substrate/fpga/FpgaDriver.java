package dev.tdi.substrate.fpga;

import static dev.tdi.substrate.fpga.device.Registers.*;

import dev.tdi.substrate.fpga.transport.Transport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The register-level driver of a TDI-F1 device over any {@link Transport}: identification, commands with
 * acknowledgement through CMD_SEQ, bounded polling, and region reads and writes of words.
 */
public final class FpgaDriver implements AutoCloseable {
    private final Transport t;
    private final int commandTimeoutMs;
    private final long barSize;
    private final int maxUnits;
    private final int maxChains;
    private final int features;

    /** What a finished command left in the status registers. */
    public record Completion(int status, int errorCode, int errorInfo, long stepsDone, int satState,
                             int satInternal) {
        public boolean error() { return (status & ST_ERROR) != 0; }
        public boolean diverged() { return (status & ST_DIVERGED) != 0; }
        public boolean aborted() { return (status & ST_ABORTED) != 0; }
        public boolean done() { return (status & ST_DONE) != 0; }
    }

    /** Opens the device behind {@code t}: checks identity and version and reads the capability registers. */
    public FpgaDriver(Transport t, int commandTimeoutMs) {
        this.t = t;
        this.commandTimeoutMs = commandTimeoutMs;
        int id = t.read32(ID);
        if (id != ID_MAGIC) {
            throw new FpgaProtocolException(String.format("%s is not a TDI-F1 device: ID reads 0x%08x, expected 0x%08x",
                    t.describe(), id, ID_MAGIC));
        }
        int version = t.read32(VERSION);
        if (version >>> 16 != VERSION_VALUE >>> 16) {
            throw new FpgaProtocolException(String.format("%s runs device interface version %d.%d; this driver speaks"
                    + " %d.x", t.describe(), version >>> 16, version & 0xFFFF, VERSION_VALUE >>> 16));
        }
        long mem = (t.read32(CAP_MEM_SIZE_LO) & 0xFFFF_FFFFL) | ((long) t.read32(CAP_MEM_SIZE_HI) << 32);
        this.barSize = MEM_BASE + mem;
        this.maxUnits = t.read32(CAP_MAX_UNITS);
        this.maxChains = t.read32(CAP_MAX_CHAINS);
        // CAP_FEATURES arrived in 1.1; a 1.0 device has no optional features.
        this.features = (version & 0xFFFF) >= 1 ? t.read32(CAP_FEATURES) : 0;
    }

    public Transport transport() { return t; }
    public long barSize() { return barSize; }
    public int maxUnits() { return maxUnits; }
    public int maxChains() { return maxChains; }
    /** The CAP_FEATURES bits ({@code FEAT_*}). */
    public int features() { return features; }

    public int read(int reg) {
        return t.read32(reg);
    }

    public void write(int reg, int v) {
        t.write32(reg, v);
    }

    public long read64(int lo) {
        return (t.read32(lo) & 0xFFFF_FFFFL) | ((long) t.read32(lo + 4) << 32);
    }

    public void write64(int lo, long v) {
        t.write32(lo, (int) v);
        t.write32(lo + 4, (int) (v >>> 32));
    }

    /** A fresh random tag for LOAD. */
    public static int newTag() {
        return ThreadLocalRandom.current().nextInt() | 1;
    }

    /** Writes words at a BAR offset. */
    public void writeWords(long addr, int[] w) {
        ByteBuffer b = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(w);
        t.write(addr, b.array(), 0, b.capacity());
    }

    /** Writes 64-bit words at a BAR offset. */
    public void writeLongs(long addr, long[] w) {
        ByteBuffer b = ByteBuffer.allocate(8 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(w);
        t.write(addr, b.array(), 0, b.capacity());
    }

    /** Reads 32-bit words. */
    public int[] readWords(long addr, int n) {
        byte[] raw = new byte[4 * n];
        t.read(addr, raw, 0, raw.length);
        int[] w = new int[n];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(w);
        return w;
    }

    /** Reads 64-bit words. */
    public long[] readLongs(long addr, int n) {
        byte[] raw = new byte[8 * n];
        t.read(addr, raw, 0, raw.length);
        long[] w = new long[n];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(w);
        return w;
    }

    /**
     * Writes {@code ctrl} and waits until the sequencer acknowledges it (CMD_SEQ changes) or {@code timeoutMs}
     * passes with no progress (for START, the STEPS_DONE register did not move during the last period); returns
     * the completion, or null on timeout (the command may still be running).
     */
    public Completion command(int ctrl, long timeoutMs) {
        int before = t.read32(CMD_SEQ);
        t.write32(CTRL, ctrl);
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        long pause = 20_000;
        long progress = 0;
        while (true) {
            if (t.read32(CMD_SEQ) != before) {
                return completion();
            }
            if (System.nanoTime() - deadline > 0) {
                // A run that is still advancing (the STEPS_DONE progress register moved) gets another period.
                long now = (ctrl & CTRL_START) != 0 ? read64(STEPS_DONE_LO) : progress;
                if (now == progress) {
                    return null;
                }
                progress = now;
                deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /** The status registers now. */
    public Completion completion() {
        int st = t.read32(STATUS);
        int code = (st & ST_ERROR) != 0 ? t.read32(ERROR_CODE) : 0;
        int info = (st & ST_ERROR) != 0 ? t.read32(ERROR_INFO) : 0;
        return new Completion(st, code, info, read64(STEPS_DONE_LO), t.read32(SAT_STATE), t.read32(SAT_INTERNAL));
    }

    /** Aborts whatever runs and clears errors; RESETs (losing the program) when ABORT is not acknowledged. */
    public boolean quiesce() {
        int st = t.read32(STATUS);
        if ((st & ST_BUSY) != 0) {
            if (command(CTRL_ABORT, commandTimeoutMs) == null) {
                command(CTRL_RESET, commandTimeoutMs);
                return false;
            }
        }
        if ((t.read32(STATUS) & ST_ERROR) != 0) {
            command(CTRL_CLEAR_ERROR, commandTimeoutMs);
        }
        return true;
    }

    public int commandTimeoutMs() {
        return commandTimeoutMs;
    }

    @Override
    public void close() {
        t.close();
    }
}
