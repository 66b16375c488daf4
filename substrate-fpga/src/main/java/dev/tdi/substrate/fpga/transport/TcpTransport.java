package dev.tdi.substrate.fpga.transport;

import dev.tdi.substrate.fpga.FpgaChecksumException;
import dev.tdi.substrate.fpga.FpgaException;
import dev.tdi.substrate.fpga.FpgaLinkLostException;
import dev.tdi.substrate.fpga.FpgaProtocolException;
import dev.tdi.substrate.fpga.FpgaTimeoutException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The TCP link to a board (or to {@code ./tdi fpga-emulator --port N}): one request frame, one response frame,
 * each CRC-32C checked ({@link Wire}). A timeout, a corrupted frame or a broken connection closes the socket,
 * reconnects and retransmits the same (session, seq), at most {@code retries} times with a growing pause; the
 * server executes a request at most once. When the retries are spent the error is typed by the last failure:
 * {@link FpgaTimeoutException}, {@link FpgaChecksumException}, {@link FpgaLinkLostException} or
 * {@link FpgaProtocolException}.
 */
public final class TcpTransport implements Transport {
    private final String host;
    private final int port;
    private final int ioTimeoutMs;
    private final int connectTimeoutMs;
    private final int retries;
    private final long session;
    private final TransportStats stats = new TransportStats();
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int seq;
    private boolean closed;

    /** Connects and greets the server; fails with {@link FpgaLinkLostException} when it cannot. */
    public TcpTransport(String host, int port, int ioTimeoutMs, int connectTimeoutMs, int retries) {
        this.host = host;
        this.port = port;
        this.ioTimeoutMs = ioTimeoutMs;
        this.connectTimeoutMs = connectTimeoutMs;
        this.retries = Math.max(0, retries);
        this.session = ThreadLocalRandom.current().nextLong() | 1;
        exchange(Wire.OP_HELLO, 0, new byte[0], 0, 0, "HELLO");
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(ioTimeoutMs);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 1 << 16);
        out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
    }

    private void drop() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already broken
            }
            socket = null;
            in = null;
            out = null;
        }
    }

    private enum Failure { TIMEOUT, CHECKSUM, LINK, PROTOCOL }

    /** Sends one request and returns its response, retrying as described above. */
    private synchronized Wire.Frame exchange(int op, long arg, byte[] payload, int off, int len, String what) {
        if (closed) {
            throw new FpgaException("the TCP link to " + describe() + " is closed");
        }
        int mySeq = ++seq;
        byte[] frame = Wire.encode(Wire.REQUEST_MAGIC, op, mySeq, session, arg, payload, off, len);
        Failure last = null;
        Exception lastError = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                stats.retry();
                pause(attempt);
            }
            try {
                if (socket == null) {
                    if (attempt > 0 || seq > 1) {
                        stats.reconnect();
                    }
                    connect();
                }
                out.write(frame);
                out.flush();
                Wire.Frame r = Wire.read(in, Wire.RESPONSE_MAGIC);
                if (r.seq() != mySeq || r.session() != session) {
                    throw new FpgaProtocolException("response seq " + r.seq() + " does not answer request seq "
                            + mySeq);
                }
                if (r.code() == Wire.ST_BAD_CHECKSUM) {
                    throw new FpgaChecksumException("the device reported a CRC error in request seq " + mySeq);
                }
                if (r.code() != Wire.ST_OK) {
                    throw new FpgaException(what + " at 0x" + Long.toHexString(arg) + " refused by " + describe()
                            + ": " + Wire.statusName(r.code()));
                }
                stats.exchange(frame.length, Wire.HEADER + r.payload().length + 4L);
                return r;
            } catch (SocketTimeoutException e) {
                last = Failure.TIMEOUT;
                lastError = e;
                drop();
            } catch (FpgaChecksumException e) {
                last = Failure.CHECKSUM;
                lastError = e;
                drop();
            } catch (FpgaProtocolException e) {
                last = Failure.PROTOCOL;
                lastError = e;
                drop();
            } catch (IOException e) {
                last = Failure.LINK;
                lastError = e;
                drop();
            }
        }
        String msg = what + " (seq " + mySeq + ") to " + describe() + " failed after " + (retries + 1)
                + " attempts; last: " + lastError;
        throw switch (last) {
            case TIMEOUT -> new FpgaTimeoutException("no response within " + ioTimeoutMs + " ms: " + msg, lastError);
            case CHECKSUM -> new FpgaChecksumException("corrupted frames: " + msg, lastError);
            case PROTOCOL -> new FpgaProtocolException("protocol violation: " + msg, lastError);
            case LINK -> new FpgaLinkLostException("link lost: " + msg
                    + " (is the board or ./tdi fpga-emulator still listening?)", lastError);
        };
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(200, 10L << Math.min(attempt, 4)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FpgaException("interrupted while retrying", e);
        }
    }

    @Override
    public int read32(long offset) {
        return (int) exchange(Wire.OP_READ32, offset, new byte[0], 0, 0, "READ32").arg();
    }

    @Override
    public void write32(long offset, int value) {
        exchange(Wire.OP_WRITE32, offset, Wire.le(value), 0, 4, "WRITE32");
    }

    @Override
    public void read(long offset, byte[] dst, int off, int len) {
        int done = 0;
        while (done < len) {
            int n = Math.min(Wire.MAX_CHUNK, len - done);
            Wire.Frame r = exchange(Wire.OP_READ, offset + done, Wire.le(n), 0, 4, "READ");
            if (r.payload().length != n) {
                throw new FpgaProtocolException("READ of " + n + " bytes answered with " + r.payload().length);
            }
            System.arraycopy(r.payload(), 0, dst, off + done, n);
            done += n;
        }
    }

    @Override
    public void write(long offset, byte[] src, int off, int len) {
        int done = 0;
        while (done < len) {
            int n = Math.min(Wire.MAX_CHUNK, len - done);
            exchange(Wire.OP_WRITE, offset + done, src, off + done, n, "WRITE");
            done += n;
        }
    }

    @Override
    public String describe() {
        return "tcp " + host + ":" + port;
    }

    @Override
    public TransportStats stats() {
        return stats;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            if (socket != null) {
                try {
                    socket.setSoTimeout(Math.min(ioTimeoutMs, 500));
                    out.write(Wire.encode(Wire.REQUEST_MAGIC, Wire.OP_BYE, ++seq, session, 0, new byte[0], 0, 0));
                    out.flush();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            closed = true;
            drop();
        }
    }
}
