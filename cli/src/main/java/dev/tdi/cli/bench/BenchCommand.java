package dev.tdi.cli.bench;

import dev.tdi.bench.BenchSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.tdi.cli.validation.Output;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tdi bench}: the short benchmark (a few minutes): machine probe, one Langevin step of every operator kind
 * on sim and reference, and the same step in NumPy and PyTorch, written as a markdown and a JSON table with the
 * targets judged. The full JMH suites are {@code java -jar benchmarks/target/benchmarks.jar} (benchmarks/README.md).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Times one Langevin step of every operator kind on sim and reference, runs the NumPy and"
                + " PyTorch peers on the identical programs, and writes results.md and results.json (a few minutes).")
public final class BenchCommand implements Callable<Integer> {

    @Output(writes = {"results.md", "results.json", "peers.json"})
    @Option(names = "--out", description = "directory for results.md, results.json and the peer export,"
            + " created if absent; those files there are replaced (default: runs/bench under the tdi home)")
    Path out;

    @Option(names = "--full", description = "the long case list (more sizes, ranks, 64 chains; 10-20 minutes)")
    boolean full;

    @Option(names = "--no-peers", description = "skip NumPy and PyTorch")
    boolean noPeers;

    @Option(names = "--python", description = "the Python 3 with numpy and torch (default: $TDI_PYTHON,"
            + " /usr/bin/python3, python3)")
    String python;

    @Option(names = "--no-end-to-end", description = "skip the end-to-end suite (the batched U-Net relaxation on sim"
            + " beside its PyTorch peer)")
    boolean noEndToEnd;

    @Option(names = "--end-to-end-only", description = "run only the end-to-end suite (writes end-to-end.md and"
            + " .json, leaves results.md alone)")
    boolean endToEndOnly;

    @dev.tdi.cli.validation.Range(min = 1, max = 256)
    @Option(names = "--e2e-batch", paramLabel = "N", defaultValue = "32",
            description = "inputs per batched relaxation in the end-to-end suite, 1..256 (default: ${DEFAULT-VALUE})")
    int e2eBatch;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("tdi.home", "."));
        Path dir = out != null ? out : home.resolve("runs").resolve("bench");
        Path script = home.resolve("benchmarks").resolve("peers").resolve("peers.py");
        String py = noPeers ? null : (python != null ? python : BenchSuite.findPython());
        if (!noPeers && !Files.isRegularFile(script)) {
            System.err.println("tdi bench: the peer harness " + script + " is missing; running without peers");
            py = null;
        }
        if (endToEndOnly && noEndToEnd) {
            throw new IllegalArgumentException("--end-to-end-only and --no-end-to-end exclude each other");
        }
        if (!endToEndOnly) {
            BenchSuite.run(new BenchSuite.Options(!full, dir, script, py, !noPeers, System.out));
        }
        if (!noEndToEnd) {
            Files.createDirectories(dir);
            Path e2eScript = home.resolve("benchmarks").resolve("peers").resolve("relaxation_torch.py");
            var e2e = dev.tdi.bench.e2e.EndToEndBench.run(dir, noPeers ? null : py, e2eScript, e2eBatch, System.out);
            Files.writeString(dir.resolve("end-to-end.md"), e2e.markdown());
            if (!endToEndOnly) {
                Path md = dir.resolve("results.md");
                Files.writeString(md, Files.readString(md) + e2e.markdown());
            }
            System.out.print(e2e.markdown());
        }
        return 0;
    }
}
