package dev.tdi.substrate.fpga.transport;

/**
 * How the driver reaches a device: 32-bit register access and bulk memory copies at byte offsets into BAR0.
 * Implementations: {@link InProcessTransport} (an emulator in this JVM), {@link MmapTransport}
 * (java.lang.foreign over a device file or any file) and {@link TcpTransport} (framed, checksummed messages to a
 * board or a network emulator). Every failure is a typed {@link FpgaException}.
 */
public interface Transport extends AutoCloseable {

    /** Reads a 32-bit word. */
    int read32(long offset);

    /** Writes a 32-bit word. */
    void write32(long offset, int value);

    /** Reads {@code len} bytes of device memory. */
    void read(long offset, byte[] dst, int off, int len);

    /** Writes {@code len} bytes of device memory. */
    void write(long offset, byte[] src, int off, int len);

    /** What this transport is connected to, for messages. */
    String describe();

    /** Traffic counters since the transport was opened. */
    TransportStats stats();

    /** Releases the link; the device keeps running. */
    @Override
    void close();
}
