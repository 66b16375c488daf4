package dev.tdi.substrate.fpga.transport;

import java.util.concurrent.atomic.AtomicLong;

/** Traffic counters of a transport: round trips (request/response exchanges), payload bytes each way, retries. */
public final class TransportStats {
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong bytesToDevice = new AtomicLong();
    private final AtomicLong bytesFromDevice = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();

    void exchange(long toDevice, long fromDevice) {
        roundTrips.incrementAndGet();
        bytesToDevice.addAndGet(toDevice);
        bytesFromDevice.addAndGet(fromDevice);
    }

    void retry() {
        retries.incrementAndGet();
    }

    void reconnect() {
        reconnects.incrementAndGet();
    }

    public long roundTrips() { return roundTrips.get(); }
    public long bytesToDevice() { return bytesToDevice.get(); }
    public long bytesFromDevice() { return bytesFromDevice.get(); }
    public long retries() { return retries.get(); }
    public long reconnects() { return reconnects.get(); }

    /** A copy of the current values, as {roundTrips, bytesToDevice, bytesFromDevice, retries, reconnects}. */
    public long[] snapshot() {
        return new long[] {roundTrips(), bytesToDevice(), bytesFromDevice(), retries(), reconnects()};
    }

    @Override
    public String toString() {
        return roundTrips() + " round trips, " + bytesToDevice() + " B to device, " + bytesFromDevice()
                + " B from device, " + retries() + " retries, " + reconnects() + " reconnects";
    }
}
