package dev.tdi.substrate.program;

/**
 * A writable bias field: the h of a {@link Factor.Bias} or of a {@link Factor.Residual}. These are the device's
 * DACs, rewritten between runs without re-programming.
 *
 * @param name        unique field name
 * @param module      the module the field acts on (the Residual's target)
 * @param size        number of values
 * @param factorIndex index of the owning factor in {@link Program#factors()}
 */
public record BiasField(String name, String module, int size, int factorIndex) {
}
