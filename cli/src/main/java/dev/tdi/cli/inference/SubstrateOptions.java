package dev.tdi.cli.inference;

import dev.tdi.cli.validation.Input;
import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import dev.tdi.inference.Jobs;
import dev.tdi.substrate.SubstrateRegistry;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every substrate job shares (run, generate, reproduce): backend, seed, model and batch size. */
public final class SubstrateOptions implements Validated {

    @Option(names = "--backend", paramLabel = "NAME", description = "substrate backend (default: sim if installed, else reference)")
    String backend;

    @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
    @Option(names = "--seed", defaultValue = "1", description = "seed of inputs, noise and fitting, any integer (default: ${DEFAULT-VALUE})")
    long seed;

    @Input(Input.Kind.MODEL_DIRECTORY)
    @Option(names = "--model", paramLabel = "DIR", description = "a model directory (config.json + model.safetensors); default: the shipped model")
    Path model;

    @Range(min = 1, max = 4096)
    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + Jobs.DEFAULT_BATCH,
            description = "inputs relaxed per substrate run, 1..4096, one chain each, where the backend declares"
                    + " per-chain inputs (others relax one at a time); results do not depend on it (default:"
                    + " ${DEFAULT-VALUE})")
    int batch;

    /** The batch size (checked against its range before the command runs). */
    int batch() {
        return batch;
    }

    /** The backend asked for, or the default one. */
    String backend() {
        return backend == null ? Jobs.defaultBackend() : backend;
    }

    /** The backend must be installed. */
    @Override
    public void validate() {
        if (backend != null) {
            try {
                SubstrateRegistry.provider(backend);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--backend: " + e.getMessage(), e);
            }
        }
    }
}
