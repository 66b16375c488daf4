package dev.tdi.cli.inference;

import dev.tdi.cli.validation.Input;
import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import dev.tdi.inference.Jobs;
import dev.tdi.substrate.SubstrateRegistry;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every substrate job shares (run, generate, reproduce): backend, seed and model. */
public final class SubstrateOptions implements Validated {

    @Option(names = "--backend", paramLabel = "NAME", description = "substrate backend (default: sim if installed, else reference)")
    String backend;

    @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
    @Option(names = "--seed", defaultValue = "1", description = "seed of inputs, noise and fitting, any integer (default: ${DEFAULT-VALUE})")
    long seed;

    @Input(Input.Kind.MODEL_DIRECTORY)
    @Option(names = "--model", paramLabel = "DIR", description = "a model directory (config.json + model.safetensors); default: the shipped model")
    Path model;

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
