package dev.tdi.cli.fpga;

import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Registers;
import dev.tdi.substrate.fpga.transport.FpgaEmulatorServer;
import dev.tdi.substrate.fpga.transport.MmapTransport;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tdi fpga-emulator}: the bit-exact TDI-F1 emulator as a stand-in board, served over TCP
 * ({@code --port N}, for {@code fpga.transport=tcp}) or through a memory-mapped file ({@code --mmap FILE}, for
 * {@code fpga.transport=mmap fpga.device=FILE}). Runs until interrupted, or for {@code --duration-s}.
 */
@Command(name = "fpga-emulator", mixinStandardHelpOptions = true,
        description = {"Serve the bit-exact TDI-F1 FPGA emulator, as a board would, over TCP or a mapped file.",
                "Clients open backend fpga with the settings fpga.transport=tcp fpga.host=H fpga.port=N,"
                        + " or fpga.transport=mmap fpga.device=FILE."})
public final class FpgaEmulatorCommand implements Callable<Integer>, Validated {

    @Range(min = 0, max = 65535)
    @Option(names = "--port", description = "TCP port to listen on, 0..65535 (0: an ephemeral port, printed). Default ${DEFAULT-VALUE}.")
    int port = 7341;

    @Option(names = "--bind", description = "Address to bind. Default ${DEFAULT-VALUE} (loopback only).")
    String bind = "127.0.0.1";

    @Option(names = "--mmap", paramLabel = "FILE",
            description = "Serve this file as the device's BAR instead of TCP (created with the right size if absent;"
                    + " an existing file must already have that size).")
    Path mmap;

    @Range(min = 1, max = 65536)
    @Option(names = "--memory-mb", description = "Device memory in MiB, 1..65536 and within the Java heap. Default ${DEFAULT-VALUE}.")
    int memoryMb = 256;

    @Range(min = 1, max = 256)
    @Option(names = "--threads", description = "Datapath lanes (threads), one chain each, 1..256. Default: up to 4 cores.")
    int threads = Math.min(4, Runtime.getRuntime().availableProcessors());

    @Range(min = 0, max = 31_536_000)
    @Option(names = "--duration-s", description = "Stop after this many seconds, 0..31536000 (0: run until interrupted).")
    long durationSeconds;

    /** Device memory must fit the heap; an existing --mmap file must be a BAR of the right size. */
    @Override
    public void validate() {
        long mem = (long) memoryMb << 20;
        long heap = Runtime.getRuntime().maxMemory();
        if (mmap == null && mem > heap / 2) {
            throw new IllegalArgumentException("--memory-mb is " + memoryMb + ", accepted: at most half the Java heap, "
                    + (heap / 2 >> 20) + " MiB here (raise it with TDI_JAVA_OPTS=-Xmx...)");
        }
        if (mmap != null) {
            long bar = Registers.REG_WINDOW + mem;
            if (Files.isDirectory(mmap)) {
                throw new IllegalArgumentException("--mmap " + mmap + ": is a directory, accepted: a file");
            }
            Path parent = mmap.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
                throw new IllegalArgumentException("--mmap " + mmap + ": its directory " + parent + " is missing or"
                        + " not writable, accepted: a file in a writable directory");
            }
            try {
                if (Files.exists(mmap) && Files.size(mmap) != bar) {
                    throw new IllegalArgumentException("--mmap " + mmap + ": an existing file of " + Files.size(mmap)
                            + " bytes, accepted: a new file or a TDI-F1 BAR of " + bar + " bytes (--memory-mb "
                            + memoryMb + "); it is not overwritten");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("--mmap " + mmap + ": cannot read its size (" + e.getMessage() + ")");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        long mem = (long) memoryMb << 20;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        if (mmap != null) {
            long bar = Registers.REG_WINDOW + mem;
            if (!Files.exists(mmap)) {
                try (RandomAccessFile f = new RandomAccessFile(mmap.toFile(), "rw")) {
                    f.setLength(bar);
                }
            }
            try (MmapTransport.EmulatedFile emu = MmapTransport.EmulatedFile.serve(mmap, threads, 50)) {
                System.out.printf("fpga-emulator: serving a TDI-F1 BAR of %d bytes in %s (%d lanes); use"
                        + " fpga.transport=mmap fpga.device=%s%n", bar, mmap.toAbsolutePath(), threads,
                        mmap.toAbsolutePath());
                System.out.flush();
                await(stop);
            }
            return 0;
        }
        try (FpgaEmulatorServer server = new FpgaEmulatorServer(FpgaDevice.inMemory(mem, threads), true,
                InetAddress.getByName(bind), port)) {
            System.out.printf("fpga-emulator: TDI-F1 v%d.%d listening on %s:%d (%d MiB device memory, %d lanes);"
                            + " use fpga.transport=tcp fpga.host=%s fpga.port=%d%n", Registers.VERSION_VALUE >>> 16,
                    Registers.VERSION_VALUE & 0xFFFF, bind, server.port(), memoryMb, threads, bind, server.port());
            System.out.flush();
            await(stop);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + bind + ":" + port + ": " + e.getMessage()
                    + " (is the port in use? try --port 0)", e);
        }
        return 0;
    }

    private void await(CountDownLatch stop) throws InterruptedException {
        if (durationSeconds > 0) {
            stop.await(durationSeconds, TimeUnit.SECONDS);
        } else {
            stop.await();
        }
    }
}
