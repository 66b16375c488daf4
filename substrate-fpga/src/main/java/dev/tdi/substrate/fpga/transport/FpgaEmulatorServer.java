package dev.tdi.substrate.fpga.transport;

import dev.tdi.substrate.fpga.FpgaChecksumException;
import dev.tdi.substrate.fpga.FpgaProtocolException;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Registers;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network front end of the emulator, as a board's embedded controller would serve the device: it speaks the
 * {@link Wire} protocol on a TCP port, executes each (session, seq) at most once and replays the cached response
 * to retransmissions. Used by {@code ./tdi fpga-emulator --port N} and by the tests (on 127.0.0.1).
 */
public final class FpgaEmulatorServer implements AutoCloseable {
    private static final int MAX_SESSIONS = 64;

    private final FpgaDevice device;
    private final boolean ownsDevice;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Map<Long, Cached> sessions = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Cached> e) {
            return size() > MAX_SESSIONS;
        }
    };
    private volatile boolean closed;

    private record Cached(int seq, byte[] response) {
    }

    /** Serves {@code device} on {@code bind}:{@code port} (port 0: an ephemeral port, see {@link #port()}). */
    public FpgaEmulatorServer(FpgaDevice device, boolean ownsDevice, InetAddress bind, int port) throws IOException {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port), 16);
        this.acceptor = Thread.ofPlatform().daemon().name("tdi-fpga-server-accept").start(this::accept);
    }

    /** Serves on 127.0.0.1 at an ephemeral port. */
    public static FpgaEmulatorServer loopback(FpgaDevice device, boolean ownsDevice) throws IOException {
        return new FpgaEmulatorServer(device, ownsDevice, InetAddress.getLoopbackAddress(), 0);
    }

    /** The bound port. */
    public int port() {
        return server.getLocalPort();
    }

    /** The emulator served. */
    public FpgaDevice device() {
        return device;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                connections.add(s);
                Thread.ofPlatform().daemon().name("tdi-fpga-server-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    sleepQuietly();
                }
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            while (!closed) {
                Wire.Frame req;
                try {
                    req = Wire.read(in, Wire.REQUEST_MAGIC);
                } catch (Wire.BadChecksum e) {
                    device.countLink(Registers.LINK_CRC_ERRORS);
                    out.write(Wire.encode(Wire.RESPONSE_MAGIC, Wire.ST_BAD_CHECKSUM, e.seq, e.session, 0,
                            new byte[0], 0, 0));
                    out.flush();
                    continue;
                } catch (FpgaProtocolException | FpgaChecksumException | EOFException | SocketException e) {
                    return; // framing lost or peer gone: drop the connection, the client reconnects
                }
                if (req.code() == Wire.OP_BYE) {
                    return;
                }
                byte[] response;
                synchronized (sessions) {
                    Cached c = sessions.get(req.session());
                    if (c != null && c.seq() == req.seq()) {
                        device.countLink(Registers.LINK_REPLAYS);
                        response = c.response();
                    } else {
                        response = execute(req);
                        sessions.put(req.session(), new Cached(req.seq(), response));
                    }
                }
                out.write(response);
                out.flush();
            }
        } catch (IOException e) {
            // connection broken; the client reconnects and retransmits
        } finally {
            connections.remove(s);
        }
    }

    private byte[] execute(Wire.Frame r) {
        int status = Wire.ST_OK;
        long value = 0;
        byte[] payload = new byte[0];
        try {
            switch (r.code()) {
                case Wire.OP_HELLO -> {
                    payload = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(device.read32(Registers.ID))
                            .putLong(device.barSize()).array();
                }
                case Wire.OP_READ32 -> value = device.read32(r.arg()) & 0xFFFF_FFFFL;
                case Wire.OP_WRITE32 -> {
                    if (r.payload().length != 4) {
                        status = Wire.ST_BAD_OPCODE;
                    } else {
                        device.write32(r.arg(), r.payloadInt());
                    }
                }
                case Wire.OP_READ -> {
                    int n = r.payload().length == 4 ? r.payloadInt() : -1;
                    if (n < 0 || n > Wire.MAX_CHUNK) {
                        status = Wire.ST_TOO_LARGE;
                    } else {
                        payload = new byte[n];
                        device.read(r.arg(), payload, 0, n);
                    }
                }
                case Wire.OP_WRITE -> device.write(r.arg(), r.payload(), 0, r.payload().length);
                default -> status = Wire.ST_BAD_OPCODE;
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            status = Wire.ST_BAD_ADDRESS;
            payload = new byte[0];
        }
        return Wire.encode(Wire.RESPONSE_MAGIC, status, r.seq(), r.session(), value, payload, 0, payload.length);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsDevice) {
            device.close();
        }
    }
}
