package dev.tdi.cli.inference;

import dev.tdi.inference.Jobs;
import dev.tdi.inference.RunJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdi run}: the complete system on held-out inputs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"The main job: compile the U-Net onto a substrate with a coupling strategy and a conditioning",
            "interface, relax it on held-out inputs, and report decoder cosine, interface size, couplings, steps,",
            "time per step and energy per inference against a GPU. Writes DIR/results.json and DIR/denoiser.png."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--backend", paramLabel = "NAME", description = "substrate backend (default: sim if installed, else reference)")
    String backend;

    @Option(names = "--coupling", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_COUPLING,
            description = "skip coupling strategy: none, dense, hbc:k=K[,bus=local|global], hbc:budget=B, svd:k=K, random:k=K (default: ${DEFAULT-VALUE})")
    String coupling;

    @Option(names = "--interface", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_INTERFACE,
            description = "conditioning interface: none, minimal:b=B,h=H[,r=R|,budget=P], oracle (default: ${DEFAULT-VALUE})")
    String conditioning;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/run", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "seed of inputs, noise and fitting (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--eval", paramLabel = "N", defaultValue = "32", description = "held-out evaluation inputs (default: ${DEFAULT-VALUE})")
    int evalInputs;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1e-4", description = "substrate temperature kT (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--model", paramLabel = "DIR", description = "a model directory (config.json + model.safetensors); default: the shipped model")
    Path model;

    @Override
    public Integer call() throws Exception {
        if (evalInputs < 1) {
            throw new IllegalArgumentException("--eval must be >= 1, found " + evalInputs);
        }
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("--temperature must be >= 0, found " + temperature);
        }
        String b = backend == null ? Jobs.defaultBackend() : backend;
        RunJob.execute(new RunJob.Params(b, coupling, conditioning, out, seed, evalInputs, temperature, model),
                System.out);
        return 0;
    }
}
