package dev.tdi.substrate.fpga.transport;

import dev.tdi.substrate.fpga.FpgaException;
import dev.tdi.substrate.fpga.FpgaLinkLostException;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Registers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * BAR0 mapped with {@code java.lang.foreign}: a Linux UIO map ({@code /dev/uio0}), an XDMA user BAR
 * ({@code /dev/xdma0_user}) or any regular file that an emulator serves ({@code ./tdi fpga-emulator --mmap FILE},
 * or {@link #withEmulator} in this JVM). Registers are read and written with volatile 32-bit accesses, as
 * uncached MMIO requires; memory with bulk copies.
 */
public final class MmapTransport implements Transport {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle REG = INT.varHandle();

    private final Path path;
    private final Arena arena;
    private final MemorySegment bar;
    private final TransportStats stats = new TransportStats();
    private final AutoCloseable companion;
    private volatile boolean closed;

    /**
     * Maps {@code size} bytes of {@code path} (0: the file's size; a character device needs an explicit size).
     */
    public static MmapTransport open(Path path, long size) {
        return new MmapTransport(path, size, null);
    }

    /**
     * Creates (or reuses) a regular file of {@code barBytes}, serves it with an emulator in this JVM that polls the
     * mapped registers, and maps it again for the driver: two mappings of one file, as a driver and a device in
     * different processes would have.
     */
    public static MmapTransport withEmulator(Path path, long barBytes, int threads) {
        try {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                if (ch.size() != barBytes) {
                    ch.truncate(0);
                    ch.position(barBytes - 1);
                    ch.write(java.nio.ByteBuffer.wrap(new byte[1]));
                }
            }
        } catch (IOException e) {
            throw new FpgaException("cannot create the emulated BAR file " + path + ": " + e.getMessage(), e);
        }
        EmulatedFile emu = EmulatedFile.serve(path, threads, 50);
        try {
            return new MmapTransport(path, barBytes, emu);
        } catch (RuntimeException e) {
            emu.close();
            throw e;
        }
    }

    /** An emulator serving a mapped file (used by {@link #withEmulator} and {@code ./tdi fpga-emulator --mmap}). */
    public static final class EmulatedFile implements AutoCloseable {
        private final Arena arena;
        private final FpgaDevice device;

        private EmulatedFile(Arena arena, FpgaDevice device) {
            this.arena = arena;
            this.device = device;
        }

        /** Maps {@code path} (a regular file, its size the BAR) and serves it. */
        public static EmulatedFile serve(Path path, int threads, long pollMicros) {
            Arena arena = Arena.ofShared();
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
                return new EmulatedFile(arena, FpgaDevice.onSegment(seg, threads, pollMicros));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw new FpgaException("cannot serve " + path + " as an emulated BAR: " + e.getMessage(), e);
            }
        }

        /** The emulator. */
        public FpgaDevice device() {
            return device;
        }

        @Override
        public void close() {
            device.close();
            arena.close();
        }
    }

    private MmapTransport(Path path, long size, AutoCloseable companion) {
        this.path = path;
        this.companion = companion;
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long n = size > 0 ? size : ch.size();
            if (n < Registers.REG_WINDOW + 4096) {
                throw new FpgaException("cannot map " + path + ": " + n + " bytes is smaller than a TDI-F1 BAR (at"
                        + " least " + (Registers.REG_WINDOW + 4096) + "); for a character device set fpga.mmap.size");
            }
            this.bar = ch.map(FileChannel.MapMode.READ_WRITE, 0, n, arena);
        } catch (IOException e) {
            arena.close();
            throw new FpgaLinkLostException("cannot open or map the device file " + path + ": " + e
                    + " (check fpga.device and its permissions)", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        int id = (int) REG.getVolatile(bar, (long) Registers.ID);
        if (id != Registers.ID_MAGIC) {
            // A file nobody serves reads zeros; say so now instead of timing out later.
            arena.close();
            throw new FpgaLinkLostException(String.format("%s does not hold a TDI-F1 BAR: ID register reads 0x%08x,"
                        + " expected 0x%08x (is an emulator serving it? ./tdi fpga-emulator --mmap %s)", path, id,
                    Registers.ID_MAGIC, path));
        }
    }

    /** The emulator serving the file, when this transport started one. */
    public FpgaDevice emulator() {
        return companion instanceof EmulatedFile e ? e.device() : null;
    }

    private void check(long offset, long len) {
        if (closed) {
            throw new FpgaException("the mmap transport on " + path + " is closed");
        }
        if (offset < 0 || len < 0 || offset + len > bar.byteSize()) {
            throw new FpgaException(String.format("access [0x%x, +%d) lies outside the %d-byte mapping of %s",
                    offset, len, bar.byteSize(), path));
        }
    }

    @Override
    public int read32(long offset) {
        check(offset, 4);
        stats.exchange(0, 4);
        return (int) REG.getVolatile(bar, offset);
    }

    @Override
    public void write32(long offset, int value) {
        check(offset, 4);
        stats.exchange(4, 0);
        if (offset == Registers.CTRL) {
            REG.getAndBitwiseOr(bar, offset, value);
        } else {
            REG.setVolatile(bar, offset, value);
        }
    }

    @Override
    public void read(long offset, byte[] dst, int off, int len) {
        check(offset, len);
        stats.exchange(0, len);
        VarHandle.acquireFence();
        MemorySegment.copy(bar, ValueLayout.JAVA_BYTE, offset, dst, off, len);
    }

    @Override
    public void write(long offset, byte[] src, int off, int len) {
        check(offset, len);
        stats.exchange(len, 0);
        MemorySegment.copy(src, off, bar, ValueLayout.JAVA_BYTE, offset, len);
        VarHandle.releaseFence();
    }

    @Override
    public String describe() {
        return "mmap " + path + " (" + bar.byteSize() + "-byte BAR" + (companion != null ? ", emulated" : "") + ")";
    }

    @Override
    public TransportStats stats() {
        return stats;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
            if (companion != null) {
                try {
                    companion.close();
                } catch (Exception e) {
                    // the emulator thread is a daemon; nothing else to release
                }
            }
        }
    }
}
