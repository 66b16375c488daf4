package dev.tdi.cli.inference;

import dev.tdi.inference.Jobs;
import picocli.CommandLine.Option;

/** The options that choose one system (run, generate): coupling strategy, interface and temperature. */
public final class SystemOptions {

    @Option(names = "--coupling", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_COUPLING,
            description = "skip coupling strategy: none, dense, hbc:k=K[,bus=local|global], hbc:budget=B, svd:k=K, random:k=K (default: ${DEFAULT-VALUE})")
    String coupling;

    @Option(names = "--interface", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_INTERFACE,
            description = "conditioning interface: none, minimal:b=B,h=H[,r=R|,budget=P], oracle (default: ${DEFAULT-VALUE})")
    String conditioning;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1e-4", description = "substrate temperature kT (default: ${DEFAULT-VALUE})")
    double temperature;

    /** The temperature, checked. */
    double temperature() {
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("--temperature must be >= 0, found " + temperature);
        }
        return temperature;
    }
}
