package dev.tdi.cli.inference;

import dev.tdi.inference.Jobs;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every substrate job shares (run, generate, reproduce): backend, seed, model and batch size. */
public final class SubstrateOptions {

    @Option(names = "--backend", paramLabel = "NAME", description = "substrate backend (default: sim if installed, else reference)")
    String backend;

    @Option(names = "--seed", defaultValue = "1", description = "seed of inputs, noise and fitting (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--model", paramLabel = "DIR", description = "a model directory (config.json + model.safetensors); default: the shipped model")
    Path model;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + Jobs.DEFAULT_BATCH,
            description = "inputs relaxed per substrate run, one chain each, where the backend declares per-chain"
                    + " inputs (others relax one at a time); results do not depend on it (default: ${DEFAULT-VALUE})")
    int batch;

    /** The batch size, checked. */
    int batch() {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, found " + batch);
        }
        return batch;
    }

    /** The backend asked for, or the default one. */
    String backend() {
        return backend == null ? Jobs.defaultBackend() : backend;
    }
}
