package dev.tdi.substrate.fpga;

import dev.tdi.substrate.fpga.transport.Wire;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A fault-injecting link for tests: a loopback TCP proxy between the driver and an emulator server that parses
 * the frames passing through and, by rule, drops or corrupts a request or its response, or cuts the link and
 * refuses reconnection (a cable pulled mid-run).
 */
final class FaultProxy implements AutoCloseable {
    enum Action {
        DROP_REQUEST, CORRUPT_REQUEST, DROP_RESPONSE, CORRUPT_RESPONSE, CUT,
        /** A well-formed response whose READ32 value is one less (a device that lies, with a valid checksum). */
        DECREMENT_VALUE
    }

    /** A request as the proxy sees it. */
    record Request(int op, int seq, long arg, int length) {
    }

    /** Applies {@code action} to the next {@code times} requests matching {@code when} (negative: forever). */
    static final class Rule {
        final Predicate<Request> when;
        final Action action;
        final AtomicInteger times;
        final AtomicInteger fired = new AtomicInteger();

        Rule(Predicate<Request> when, Action action, int times) {
            this.when = when;
            this.action = action;
            this.times = new AtomicInteger(times);
        }

        boolean take(Request r) {
            if (!when.test(r)) {
                return false;
            }
            while (true) {
                int t = times.get();
                if (t == 0) {
                    return false;
                }
                if (t < 0 || times.compareAndSet(t, t - 1)) {
                    fired.incrementAndGet();
                    return true;
                }
            }
        }
    }

    private final int upstreamPort;
    private final ServerSocket server;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean refusing;
    private volatile boolean closed;

    FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("fault-proxy-accept").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    Rule add(Predicate<Request> when, Action action, int times) {
        Rule r = new Rule(when, action, times);
        rules.add(r);
        return r;
    }

    /** Removes every rule and accepts connections again. */
    void heal() {
        rules.clear();
        refusing = false;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    client.close();
                    continue;
                }
                Socket up = new Socket();
                up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 2000);
                sockets.add(client);
                sockets.add(up);
                Map<Integer, Action> pending = new ConcurrentHashMap<>();
                Thread.ofPlatform().daemon().start(() -> pumpRequests(client, up, pending));
                Thread.ofPlatform().daemon().start(() -> pumpResponses(up, client, pending));
            } catch (IOException e) {
                // closed or a refused upstream: keep accepting until closed
            }
        }
    }

    private void pumpRequests(Socket client, Socket up, Map<Integer, Action> pending) {
        try {
            InputStream in = client.getInputStream();
            OutputStream out = up.getOutputStream();
            while (true) {
                byte[] f = frame(in);
                ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
                Request r = new Request(f[5] & 0xFF, b.getInt(8), b.getLong(24), b.getInt(12));
                Action act = null;
                for (Rule rule : rules) {
                    if (rule.take(r)) {
                        act = rule.action;
                        break;
                    }
                }
                if (act == Action.CUT) {
                    refusing = true;
                    cutAll();
                    return;
                }
                if (act == Action.DROP_REQUEST) {
                    continue;
                }
                if (act == Action.CORRUPT_REQUEST) {
                    f[f.length - 6] ^= 0x10; // a payload or header byte; the CRC no longer matches
                }
                if (act == Action.DROP_RESPONSE || act == Action.CORRUPT_RESPONSE || act == Action.DECREMENT_VALUE) {
                    pending.put(r.seq(), act);
                }
                out.write(f);
                out.flush();
            }
        } catch (IOException e) {
            close(client, up);
        }
    }

    private void pumpResponses(Socket up, Socket client, Map<Integer, Action> pending) {
        try {
            InputStream in = up.getInputStream();
            OutputStream out = client.getOutputStream();
            while (true) {
                byte[] f = frame(in);
                int seq = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
                Action act = pending.remove(seq);
                if (act == Action.DROP_RESPONSE) {
                    continue;
                }
                if (act == Action.CORRUPT_RESPONSE) {
                    f[f.length - 5] ^= 0x01;
                }
                if (act == Action.DECREMENT_VALUE) {
                    ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
                    f = Wire.encode(b.getInt(0), f[5] & 0xFF, seq, b.getLong(16), b.getLong(24) - 1, f, Wire.HEADER,
                            b.getInt(12));
                }
                out.write(f);
                out.flush();
            }
        } catch (IOException e) {
            close(client, up);
        }
    }

    private static byte[] frame(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] h = new byte[Wire.HEADER];
        d.readFully(h);
        int len = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        byte[] f = new byte[Wire.HEADER + len + 4];
        System.arraycopy(h, 0, f, 0, Wire.HEADER);
        d.readFully(f, Wire.HEADER, len + 4);
        return f;
    }

    private void cutAll() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // cutting
            }
        }
        sockets.clear();
    }

    private void close(Socket a, Socket b) {
        for (Socket s : new Socket[] {a, b}) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
            sockets.remove(s);
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
        cutAll();
    }
}
