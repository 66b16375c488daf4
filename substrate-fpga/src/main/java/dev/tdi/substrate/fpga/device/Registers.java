package dev.tdi.substrate.fpga.device;

/**
 * The register map of the TDI-F1 device (docs/fpga-device.md, section "Register map"). Every register is a
 * 32-bit little-endian word at a byte offset into BAR0; 64-bit quantities are a LO/HI pair. Device memory
 * starts at {@link #MEM_BASE} in the same BAR.
 */
public final class Registers {
    private Registers() {
    }

    /** Identity word, reads "TDIF" in little-endian ASCII. */
    public static final int ID = 0x000;
    /** Device magic read from {@link #ID}. */
    public static final int ID_MAGIC = 0x46494454;
    /** Version: major in bits 31..16, minor in 15..0. */
    public static final int VERSION = 0x004;
    public static final int VERSION_VALUE = (1 << 16) | 1;
    /** Capabilities. */
    public static final int CAP_MAX_UNITS = 0x008;
    public static final int CAP_MAX_CHAINS = 0x00C;
    /** Bits 7..0 total state bits, 15..8 fraction bits, 23..16 weight bits, 31..24 weight fraction bits. */
    public static final int CAP_FORMAT = 0x010;
    /** Bit i set when OperatorKind.values()[i] is implemented. */
    public static final int CAP_OPS = 0x014;
    public static final int CAP_MEM_SIZE_LO = 0x018;
    public static final int CAP_MEM_SIZE_HI = 0x01C;
    /** Bit i set when FactorKind.values()[i] is implemented. */
    public static final int CAP_FACTORS = 0x020;
    /** Optional features: bit 0 {@link #FEAT_SCHEDULES}. */
    public static final int CAP_FEATURES = 0x024;
    /** The device runs relaxation schedules from a SCHED table ({@link #RF_SCHEDULE}, {@link #SCHED_ADDR}). */
    public static final int FEAT_SCHEDULES = 1;

    /** Control (write 1 bits to act). */
    public static final int CTRL = 0x040;
    public static final int CTRL_LOAD = 1;
    public static final int CTRL_START = 1 << 1;
    public static final int CTRL_ABORT = 1 << 2;
    public static final int CTRL_RESET = 1 << 3;
    public static final int CTRL_CLEAR_ERROR = 1 << 4;

    /** Status (read only). */
    public static final int STATUS = 0x044;
    public static final int ST_READY = 1;
    public static final int ST_BUSY = 1 << 1;
    public static final int ST_DONE = 1 << 2;
    public static final int ST_ERROR = 1 << 3;
    public static final int ST_DIVERGED = 1 << 4;
    public static final int ST_ABORTED = 1 << 5;

    public static final int ERROR_CODE = 0x048;
    public static final int ERROR_INFO = 0x04C;
    /** Interrupt status, write 1 to clear; bit 0 = run finished (done, error, diverged or aborted). */
    public static final int IRQ_STATUS = 0x050;
    public static final int IRQ_ENABLE = 0x054;
    /** A 32-bit tag the host writes with LOAD; the device echoes it once the program is loaded. */
    public static final int PROG_TAG = 0x058;
    public static final int LOADED_TAG = 0x05C;

    /** Region addresses (byte offsets into BAR0) and lengths. */
    public static final int PROG_ADDR = 0x060;
    public static final int PROG_LEN = 0x064;
    public static final int BIAS_ADDR = 0x068;
    public static final int CLAMP_ADDR = 0x06C;
    public static final int PARAM_ADDR = 0x070;
    public static final int SEED_ADDR = 0x074;
    public static final int STATE_ADDR = 0x078;
    public static final int ACC_ADDR = 0x07C;

    /** Run registers. */
    public static final int N_STEPS_LO = 0x080;
    public static final int N_STEPS_HI = 0x084;
    public static final int STEP_BASE_LO = 0x088;
    public static final int STEP_BASE_HI = 0x08C;
    public static final int CHAINS = 0x090;
    /** Run flags. */
    public static final int RUN_FLAGS = 0x094;
    public static final int RF_INIT_WALLS = 1;
    public static final int RF_ACC_ENABLE = 1 << 1;
    public static final int RF_ACC_CLEAR = 1 << 2;
    /**
     * Follow the schedule table at {@link #SCHED_ADDR}: steps STEP_BASE .. STEP_BASE + N_STEPS - 1 of the schedule's
     * absolute step axis, each in its phase (docs/fpga-device.md, "Schedules"); ACC serves the phases' windows.
     */
    public static final int RF_SCHEDULE = 1 << 3;
    /** Divergence bound on |x|, Q15.16 raw; 0x7FFFFFFF leaves only register saturation. */
    public static final int DIV_BOUND = 0x098;
    /**
     * Command sequence counter (read only): incremented once the sequencer has finished acting on a CTRL write
     * (for START: when the run has ended, whatever its outcome). The host reads it, writes CTRL and waits for it to
     * change; STATUS is then fresh.
     */
    public static final int CMD_SEQ = 0x09C;

    /** Progress and counters (read only, cleared by START). */
    public static final int STEPS_DONE_LO = 0x0A0;
    public static final int STEPS_DONE_HI = 0x0A4;
    public static final int SAT_STATE = 0x0A8;
    public static final int SAT_INTERNAL = 0x0AC;
    public static final int DIV_STEP_LO = 0x0B0;
    public static final int DIV_STEP_HI = 0x0B4;
    public static final int DIV_CHAIN = 0x0B8;
    public static final int DIV_UNIT = 0x0BC;
    public static final int DIV_VALUE_LO = 0x0C0;
    public static final int DIV_VALUE_HI = 0x0C4;
    /** Link statistics kept by a network front end (frames with bad checksums, replays of duplicate requests). */
    public static final int LINK_CRC_ERRORS = 0x0D0;
    public static final int LINK_REPLAYS = 0x0D4;
    /** Cumulative steps executed since reset (for throughput counters). */
    public static final int TOTAL_STEPS_LO = 0x0D8;
    public static final int TOTAL_STEPS_HI = 0x0DC;

    /** Schedule registers (read-write block from 0x100). BAR offset of the SCHED table. */
    public static final int SCHED_ADDR = 0x100;
    /** Phases in a schedule table the device accepts. */
    public static final int MAX_PHASES = 65_536;

    /** Size of the register window; device memory follows it. */
    public static final int REG_WINDOW = 0x1000;
    /** Byte offset of device memory in BAR0. */
    public static final long MEM_BASE = REG_WINDOW;

    /** Error codes in {@link #ERROR_CODE}. */
    public static final int ERR_NONE = 0;
    public static final int ERR_BAD_IMAGE = 1;
    public static final int ERR_REGION = 2;
    public static final int ERR_NOT_LOADED = 3;
    public static final int ERR_BAD_PARAM = 4;
    public static final int ERR_BUSY = 5;
    public static final int ERR_PARITY = 6;

    /** A human-readable name of an error code. */
    public static String errorName(int code) {
        return switch (code) {
            case ERR_NONE -> "none";
            case ERR_BAD_IMAGE -> "BAD_IMAGE (program image malformed or checksum mismatch)";
            case ERR_REGION -> "REGION (a memory region lies outside device memory)";
            case ERR_NOT_LOADED -> "NOT_LOADED (START with no program loaded)";
            case ERR_BAD_PARAM -> "BAD_PARAM (run parameters out of range)";
            case ERR_BUSY -> "BUSY (command while a run is in progress)";
            case ERR_PARITY -> "PARITY (on-chip memory parity/ECC error)";
            default -> "unknown error " + code;
        };
    }

    /** A readable rendering of a status word. */
    public static String statusName(int st) {
        StringBuilder s = new StringBuilder();
        if ((st & ST_READY) != 0) s.append("READY ");
        if ((st & ST_BUSY) != 0) s.append("BUSY ");
        if ((st & ST_DONE) != 0) s.append("DONE ");
        if ((st & ST_ERROR) != 0) s.append("ERROR ");
        if ((st & ST_DIVERGED) != 0) s.append("DIVERGED ");
        if ((st & ST_ABORTED) != 0) s.append("ABORTED ");
        return s.isEmpty() ? "0" : s.toString().trim();
    }
}
