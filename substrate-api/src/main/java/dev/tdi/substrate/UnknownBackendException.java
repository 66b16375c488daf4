package dev.tdi.substrate;

import java.util.Collection;

/** A backend name that no installed {@link SubstrateProvider} answers to; the message lists the known names. */
public final class UnknownBackendException extends SubstrateException {
    public UnknownBackendException(String name, Collection<String> known) {
        super("unknown backend '" + name + "'; known backends: " + String.join(", ", known)
                + " (a backend is found through META-INF/services/" + SubstrateProvider.class.getName() + ")");
    }
}
