package dev.tdi.substrate.fpga.transport;

import dev.tdi.substrate.fpga.FpgaException;
import dev.tdi.substrate.fpga.device.FpgaDevice;

/** Direct calls into an emulator in this JVM: the transport with no link at all. */
public final class InProcessTransport implements Transport {
    private final FpgaDevice device;
    private final boolean ownsDevice;
    private final TransportStats stats = new TransportStats();
    private volatile boolean closed;

    /** @param ownsDevice close the device with the transport */
    public InProcessTransport(FpgaDevice device, boolean ownsDevice) {
        this.device = device;
        this.ownsDevice = ownsDevice;
    }

    /** The emulator behind this transport. */
    public FpgaDevice device() {
        return device;
    }

    private void open() {
        if (closed) {
            throw new FpgaException("the in-process FPGA transport is closed");
        }
    }

    @Override
    public int read32(long offset) {
        open();
        stats.exchange(0, 4);
        return device.read32(offset);
    }

    @Override
    public void write32(long offset, int value) {
        open();
        stats.exchange(4, 0);
        device.write32(offset, value);
    }

    @Override
    public void read(long offset, byte[] dst, int off, int len) {
        open();
        stats.exchange(0, len);
        device.read(offset, dst, off, len);
    }

    @Override
    public void write(long offset, byte[] src, int off, int len) {
        open();
        stats.exchange(len, 0);
        device.write(offset, src, off, len);
    }

    @Override
    public String describe() {
        return "in-process emulator (" + device.memorySize() / (1 << 20) + " MiB device memory)";
    }

    @Override
    public TransportStats stats() {
        return stats;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (ownsDevice) {
                device.close();
            }
        }
    }
}
