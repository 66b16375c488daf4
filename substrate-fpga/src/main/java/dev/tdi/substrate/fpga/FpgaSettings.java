package dev.tdi.substrate.fpga;

import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.program.InvalidProgramException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code fpga} backend's settings (docs/fpga-device.md, "Driver settings"), parsed from a
 * {@link SubstrateConfig}; unknown keys are refused.
 */
public record FpgaSettings(String transport, String host, int port, String device, long mmapSize,
                           boolean mmapEmulate, int ioTimeoutMs, int connectTimeoutMs, int retries,
                           int loadTimeoutMs, int runTimeoutMs, int emulatorMemoryMb, int emulatorThreads) {

    public static final String TRANSPORT = "fpga.transport";
    public static final String HOST = "fpga.host";
    public static final String PORT = "fpga.port";
    public static final String DEVICE = "fpga.device";
    public static final String MMAP_SIZE = "fpga.mmap.size";
    public static final String MMAP_EMULATE = "fpga.mmap.emulate";
    public static final String IO_TIMEOUT = "fpga.io-timeout-ms";
    public static final String CONNECT_TIMEOUT = "fpga.connect-timeout-ms";
    public static final String RETRIES = "fpga.retries";
    public static final String LOAD_TIMEOUT = "fpga.load-timeout-ms";
    public static final String RUN_TIMEOUT = "fpga.run-timeout-ms";
    public static final String EMULATOR_MEMORY = "fpga.emulator.memory-mb";
    public static final String EMULATOR_THREADS = "fpga.emulator.threads";

    /** Every key the backend reads. */
    public static final Set<String> KEYS = new LinkedHashSet<>(List.of(TRANSPORT, HOST, PORT, DEVICE, MMAP_SIZE,
            MMAP_EMULATE, IO_TIMEOUT, CONNECT_TIMEOUT, RETRIES, LOAD_TIMEOUT, RUN_TIMEOUT, EMULATOR_MEMORY,
            EMULATOR_THREADS));

    /** The default TCP port of a board or {@code ./tdi fpga-emulator}. */
    public static final int DEFAULT_PORT = 7341;

    /** Parses and validates the settings. */
    public static FpgaSettings from(String backend, SubstrateConfig c) {
        c.requireOnly(backend, KEYS);
        String transport = c.get(TRANSPORT, "inprocess").trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("inprocess", "tcp", "mmap").contains(transport)) {
            throw new InvalidProgramException("backend setting " + TRANSPORT + "=" + transport
                    + " is not one of inprocess, tcp, mmap");
        }
        String device = c.get(DEVICE, "");
        if (transport.equals("mmap") && device.isBlank()) {
            throw new InvalidProgramException("fpga.transport=mmap needs " + DEVICE
                    + "=<path> (a UIO map such as /dev/uio0, an XDMA BAR such as /dev/xdma0_user, or a file served by"
                    + " ./tdi fpga-emulator --mmap FILE)");
        }
        String emulate = c.get(MMAP_EMULATE, "false").trim();
        if (!emulate.equals("true") && !emulate.equals("false")) {
            throw new InvalidProgramException("backend setting " + MMAP_EMULATE + "=" + emulate
                    + " is not true or false");
        }
        int threads = c.getInt(EMULATOR_THREADS, Math.min(4, Runtime.getRuntime().availableProcessors()));
        FpgaSettings s = new FpgaSettings(transport, c.get(HOST, "127.0.0.1"), c.getInt(PORT, DEFAULT_PORT), device,
                (long) c.getDouble(MMAP_SIZE, 0), emulate.equals("true"), c.getInt(IO_TIMEOUT, 2000),
                c.getInt(CONNECT_TIMEOUT, 2000), c.getInt(RETRIES, 3), c.getInt(LOAD_TIMEOUT, 30_000),
                c.getInt(RUN_TIMEOUT, 60_000), c.getInt(EMULATOR_MEMORY, 64), threads);
        positive(PORT, s.port);
        positive(IO_TIMEOUT, s.ioTimeoutMs);
        positive(CONNECT_TIMEOUT, s.connectTimeoutMs);
        positive(LOAD_TIMEOUT, s.loadTimeoutMs);
        positive(RUN_TIMEOUT, s.runTimeoutMs);
        positive(EMULATOR_MEMORY, s.emulatorMemoryMb);
        positive(EMULATOR_THREADS, s.emulatorThreads);
        if (s.retries < 0 || s.retries > 100) {
            throw new InvalidProgramException("backend setting " + RETRIES + "=" + s.retries + " must be in 0..100");
        }
        if (s.mmapSize < 0) {
            throw new InvalidProgramException("backend setting " + MMAP_SIZE + " must be >= 0");
        }
        return s;
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new InvalidProgramException("backend setting " + key + "=" + v + " must be positive");
        }
    }
}
