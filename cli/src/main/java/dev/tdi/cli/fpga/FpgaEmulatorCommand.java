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
public final class FpgaEmulatorCommand implements Callable<Integer> {

    @Option(names = "--port", description = "TCP port to listen on (0: an ephemeral port, printed). Default ${DEFAULT-VALUE}.")
    int port = 7341;

    @Option(names = "--bind", description = "Address to bind. Default ${DEFAULT-VALUE} (loopback only).")
    String bind = "127.0.0.1";

    @Option(names = "--mmap", paramLabel = "FILE",
            description = "Serve this file as the device's BAR instead of TCP (created with the right size if absent).")
    Path mmap;

    @Option(names = "--memory-mb", description = "Device memory in MiB. Default ${DEFAULT-VALUE}.")
    int memoryMb = 256;

    @Option(names = "--threads", description = "Datapath lanes (threads), one chain each. Default: up to 4 cores.")
    int threads = Math.min(4, Runtime.getRuntime().availableProcessors());

    @Option(names = "--duration-s", description = "Stop after this many seconds (0: run until interrupted).")
    long durationSeconds;

    @Override
    public Integer call() throws Exception {
        if (memoryMb < 1 || threads < 1 || port < 0 || port > 65535) {
            throw new IllegalArgumentException("--memory-mb and --threads must be positive and --port in 0..65535");
        }
        long mem = (long) memoryMb << 20;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        if (mmap != null) {
            long bar = Registers.REG_WINDOW + mem;
            if (!Files.exists(mmap) || Files.size(mmap) != bar) {
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
