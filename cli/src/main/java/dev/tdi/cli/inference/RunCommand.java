package dev.tdi.cli.inference;

import dev.tdi.inference.RunJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tdi run}: the complete system on held-out inputs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"The main job: compile the U-Net onto a substrate with a coupling strategy and a conditioning",
            "interface, relax it on held-out inputs, and report decoder cosine, interface size, couplings, steps,",
            "time per step and energy per inference against a GPU. Writes DIR/results.json and DIR/denoiser.png."})
public final class RunCommand implements Callable<Integer> {

    @Mixin
    SubstrateOptions substrate;

    @Mixin
    SystemOptions system;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/run", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--eval", paramLabel = "N", defaultValue = "32", description = "held-out evaluation inputs (default: ${DEFAULT-VALUE})")
    int evalInputs;

    @Override
    public Integer call() throws Exception {
        if (evalInputs < 1) {
            throw new IllegalArgumentException("--eval must be >= 1, found " + evalInputs);
        }
        RunJob.execute(new RunJob.Params(substrate.backend(), system.coupling, system.conditioning, out,
                substrate.seed, evalInputs, system.temperature(), substrate.model, substrate.batch()),
                System.out);
        return 0;
    }
}
