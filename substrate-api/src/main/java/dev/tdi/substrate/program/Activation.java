package dev.tdi.substrate.program;

/** The nonlinearity rho of a {@link Factor.Residual} factor. */
public enum Activation {
    /** rho(a) = a. */
    IDENTITY {
        @Override public double apply(double a) { return a; }
        @Override public double derivative(double a) { return 1.0; }
    },
    /** rho(a) = max(a, 0); its derivative is taken as 0 at a = 0. */
    RELU {
        @Override public double apply(double a) { return a > 0 ? a : 0.0; }
        @Override public double derivative(double a) { return a > 0 ? 1.0 : 0.0; }
    };

    /** rho(a). */
    public abstract double apply(double a);

    /** rho'(a). */
    public abstract double derivative(double a);
}
