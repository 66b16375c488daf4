package dev.tdi.substrate;

import java.util.Collection;
import java.util.List;

/**
 * A backend name that no usable {@link SubstrateProvider} answers to; the message lists the known names, sorted,
 * and any provider that failed to load with its cause.
 */
public final class UnknownBackendException extends SubstrateException {
    public UnknownBackendException(String name, Collection<String> known) {
        this(name, known, List.of());
    }

    public UnknownBackendException(String name, Collection<String> known,
                                   Collection<SubstrateRegistry.Unavailable> unavailable) {
        super("unknown backend '" + name + "'; known backends: "
                + SubstrateRegistry.describe(known.stream().sorted().toList(), unavailable)
                + " (a backend is found through META-INF/services/" + SubstrateProvider.class.getName() + ")");
    }
}
