package dev.tdi.unet;

/** The pointwise nonlinearity rho of a layer. */
public enum Activation {
    /** rho(a) = max(a, 0). */
    RELU,
    /** rho(a) = a. */
    IDENTITY;

    /** Applies rho. */
    public float apply(float a) {
        return this == RELU ? Math.max(a, 0f) : a;
    }
}
