package dev.tdi.substrate.program;

/** Every kind of factor a program may contain; a backend declares which it supports. */
public enum FactorKind {
    /** OnSite quadratic (k/2)(x - mu)^2. */
    ON_SITE_QUADRATIC,
    /** OnSite quadratic with a hard wall keeping x >= 0. */
    ON_SITE_RECTIFIED,
    /** OnSite hard walls lo <= x <= hi. */
    ON_SITE_BOX,
    /** Coupling -x_a^T W x_b, or (1/2) x_a^T W x_a. */
    COUPLING,
    /** Bias -h^T x, writable between runs. */
    BIAS,
    /** Residual with identity rho. */
    RESIDUAL_IDENTITY,
    /** Residual with relu rho. */
    RESIDUAL_RELU,
    /** Clamp: units held fixed, writable between runs. */
    CLAMP
}
