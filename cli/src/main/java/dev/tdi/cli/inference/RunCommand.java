package dev.tdi.cli.inference;

import dev.tdi.inference.RunJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tdi run}: the complete system on held-out inputs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"The main job: compile the U-Net onto a substrate with a coupling strategy and a conditioning",
            "interface, relax it on held-out inputs of an evaluation split, and report the epsilon MSE against the",
            "true noise (substrate, digital, ratio) and the x0-estimate PSNR per t bucket, then the decoder cosine,",
            "interface size, couplings, steps, time per step and energy per inference against a GPU. Writes DIR/results.json and DIR/denoiser.png."})
public final class RunCommand implements Callable<Integer>, dev.tdi.cli.validation.Validated {

    @Mixin
    SubstrateOptions substrate;

    @Mixin
    SystemOptions system;

    @Output(writes = {"results.json", "denoiser.png"})
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/run", description = "output directory, created if"
            + " absent; results.json and denoiser.png there are replaced (default: ${DEFAULT-VALUE})")
    Path out;

    @Range(min = 1, max = 5000)
    @Option(names = "--eval", paramLabel = "N", defaultValue = "32", description = "held-out evaluation inputs, 1..5000"
            + " (at most what the data hold beside calibration) (default: ${DEFAULT-VALUE})")
    int evalInputs;

    @Option(names = "--split", paramLabel = "dev|test", defaultValue = "dev",
            description = {"evaluation split: dev (test images 0-249, where defaults are chosen) or test (the frozen",
                "split, test images 500-4999; needs dataset-fashion-mnist). Default: ${DEFAULT-VALUE}"})
    String split;

    /** The split must be known before any work. */
    @Override
    public void validate() {
        dev.tdi.inference.EvaluationSplit.parse(split);
    }

    @Override
    public Integer call() throws Exception {
        dev.tdi.inference.EvaluationSplit sp = dev.tdi.inference.EvaluationSplit.parse(split);
        RunJob.execute(new RunJob.Params(substrate.backend(), system.coupling, system.conditioning, out,
                substrate.seed, evalInputs, system.temperature(), substrate.model, sp,
                substrate.batch()),
                System.out);
        return 0;
    }
}
