package dev.tdi.cli.inference;

import dev.tdi.inference.Jobs;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every substrate job shares (run, generate, reproduce): backend, seed and model. */
public final class SubstrateOptions {

    @Option(names = "--backend", paramLabel = "NAME", description = "substrate backend (default: sim if installed, else reference)")
    String backend;

    @Option(names = "--seed", defaultValue = "1", description = "seed of inputs, noise and fitting (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--model", paramLabel = "DIR", description = "a model directory (config.json + model.safetensors); default: the shipped model")
    Path model;

    /** The backend asked for, or the default one. */
    String backend() {
        return backend == null ? Jobs.defaultBackend() : backend;
    }
}
