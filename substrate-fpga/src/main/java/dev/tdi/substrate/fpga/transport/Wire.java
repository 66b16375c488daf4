package dev.tdi.substrate.fpga.transport;

import dev.tdi.substrate.fpga.FpgaChecksumException;
import dev.tdi.substrate.fpga.FpgaProtocolException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The TDI-F1 link protocol (docs/fpga-device.md, "Link protocol"). Every message is one frame:
 * <pre>
 *   0  u32 magic      "TDIQ" request / "TDIR" response
 *   4  u8  version    1
 *   5  u8  code       request: opcode; response: status
 *   6  u16 reserved   0
 *   8  u32 seq        request sequence number, echoed in the response
 *  12  u32 length     payload bytes (at most 1 MiB + 8)
 *  16  u64 session    client session id, echoed
 *  24  u64 arg        request: BAR offset; response: the 32-bit value read (READ32) or 0
 *  32  payload
 *  32+length u32 CRC-32C of bytes [0, 32 + length)
 * </pre>
 * all little-endian. A server executes each (session, seq) at most once and replays its cached response to a
 * retransmission, so a retried START never starts twice.
 */
public final class Wire {
    private Wire() {
    }

    public static final int REQUEST_MAGIC = 0x51494454;
    public static final int RESPONSE_MAGIC = 0x52494454;
    public static final int VERSION = 1;
    public static final int HEADER = 32;
    public static final int MAX_CHUNK = 1 << 20;
    public static final int MAX_PAYLOAD = MAX_CHUNK + 8;

    public static final int OP_HELLO = 1;
    public static final int OP_READ32 = 2;
    public static final int OP_WRITE32 = 3;
    public static final int OP_READ = 4;
    public static final int OP_WRITE = 5;
    public static final int OP_BYE = 6;

    public static final int ST_OK = 0;
    public static final int ST_BAD_CHECKSUM = 1;
    public static final int ST_BAD_ADDRESS = 2;
    public static final int ST_BAD_OPCODE = 3;
    public static final int ST_TOO_LARGE = 4;

    /** A decoded frame. */
    public record Frame(int magic, int code, int seq, long session, long arg, byte[] payload) {
        public int payloadInt() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
    }

    /** Encodes a frame, CRC included. */
    public static byte[] encode(int magic, int code, int seq, long session, long arg, byte[] payload, int off,
                                int len) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + len + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).put((byte) VERSION).put((byte) code).putShort((short) 0).putInt(seq).putInt(len)
                .putLong(session).putLong(arg);
        if (len > 0) {
            b.put(payload, off, len);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, HEADER + len);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Thrown by {@link #read} for a frame whose CRC does not match; carries the header fields it could read. */
    public static final class BadChecksum extends FpgaChecksumException {
        public final int seq;
        public final long session;

        BadChecksum(int seq, long session, int got, int want) {
            super(String.format("frame seq %d failed its CRC-32C check (0x%08x != 0x%08x)", seq, got, want));
            this.seq = seq;
            this.session = session;
        }
    }

    /**
     * Reads one frame with the expected magic. Throws {@link EOFException} at a clean end of stream before a
     * frame, {@link FpgaProtocolException} when the bytes are not a frame, {@link BadChecksum} on a CRC mismatch.
     */
    public static Frame read(InputStream in, int expectMagic) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] h = new byte[HEADER];
        int first = d.read();
        if (first < 0) {
            throw new EOFException("end of stream");
        }
        h[0] = (byte) first;
        d.readFully(h, 1, HEADER - 1);
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        int version = b.get() & 0xFF;
        int code = b.get() & 0xFF;
        b.getShort();
        int seq = b.getInt();
        int len = b.getInt();
        long session = b.getLong();
        long arg = b.getLong();
        if (magic != expectMagic) {
            throw new FpgaProtocolException(String.format("bad frame magic 0x%08x (expected 0x%08x): the stream is"
                    + " out of step", magic, expectMagic));
        }
        if (version != VERSION) {
            throw new FpgaProtocolException("unsupported link protocol version " + version);
        }
        if (len < 0 || len > MAX_PAYLOAD) {
            throw new FpgaProtocolException("frame length " + (len & 0xFFFF_FFFFL) + " exceeds " + MAX_PAYLOAD);
        }
        byte[] payload = new byte[len];
        d.readFully(payload);
        int got = d.readInt();
        got = Integer.reverseBytes(got);
        CRC32C crc = new CRC32C();
        crc.update(h);
        crc.update(payload);
        int want = (int) crc.getValue();
        if (got != want) {
            throw new BadChecksum(seq, session, got, want);
        }
        return new Frame(magic, code, seq, session, arg, payload);
    }

    /** A little-endian int as 4 bytes. */
    public static byte[] le(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /** A response status name. */
    public static String statusName(int st) {
        return switch (st) {
            case ST_OK -> "OK";
            case ST_BAD_CHECKSUM -> "BAD_CHECKSUM";
            case ST_BAD_ADDRESS -> "BAD_ADDRESS";
            case ST_BAD_OPCODE -> "BAD_OPCODE";
            case ST_TOO_LARGE -> "TOO_LARGE";
            default -> "status " + st;
        };
    }
}
