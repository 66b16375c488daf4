package dev.tdi.cli.inference;

import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import dev.tdi.conditioning.ConditioningInterfaces;
import dev.tdi.conditioning.InterfaceParameters;
import dev.tdi.coupling.CouplingStrategies;
import dev.tdi.inference.Jobs;
import picocli.CommandLine.Option;

/** The options that choose one system (run, generate): coupling strategy, interface and temperature. */
public final class SystemOptions implements Validated {

    @Option(names = "--coupling", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_COUPLING,
            description = "skip coupling strategy: none, dense, hbc:k=K[,bus=local|global], hbc:budget=B, svd:k=K, random:k=K (default: ${DEFAULT-VALUE})")
    String coupling;

    @Option(names = "--interface", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_INTERFACE,
            description = "conditioning interface: none, minimal:b=B,h=H[,r=R|,budget=P], oracle (default: ${DEFAULT-VALUE})")
    String conditioning;

    // A sanity bound, not physics: at kT = 100 the thermal spread of a unit is ~10x the activations it should settle
    // to (the output residual's weight is 1), and the README's sweep already degrades at kT = 10.
    @Range(min = 0, max = 100)
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1e-4", description = "substrate temperature kT,"
            + " 0..100 (in units of the output residual's weight; docs/physics.md) (default: ${DEFAULT-VALUE})")
    double temperature;

    /** The temperature, checked. */
    double temperature() {
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("--temperature must be >= 0, found " + temperature);
        }
        return temperature;
    }

    /** The coupling and interface specs must parse, before any work; errors name the option and the spec. */
    @Override
    public void validate() {
        CouplingStrategies strategies = dev.tdi.inference.Catalog.current().couplings(); // built-ins and plug-ins
        if (coupling.isBlank()) {
            throw new IllegalArgumentException("--coupling is empty, accepted: a strategy spec, one of "
                    + String.join("; ", strategies.usage().lines().toList()));
        }
        try {
            strategies.create(coupling);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--coupling '" + coupling + "': " + e.getMessage(), e);
        }
        ConditioningInterfaces interfaces = dev.tdi.inference.Catalog.current().interfaces();
        if (conditioning.isBlank()) {
            throw new IllegalArgumentException("--interface is empty, accepted: an interface spec, one of "
                    + String.join("; ", interfaces.usage().lines().toList()));
        }
        try {
            var parsed = InterfaceParameters.split(conditioning);
            interfaces.factory(parsed.getKey()).validate(parsed.getValue());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--interface '" + conditioning + "': " + e.getMessage(), e);
        }
    }
}
