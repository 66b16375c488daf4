package dev.tdi.substrate.program;

/** The on-site potential of an {@link Factor.OnSite} factor, applied to every unit of its module. */
public sealed interface Potential {

    /** Which factor kind this potential makes. */
    FactorKind kind();

    /** (k/2)(x - mu)^2. */
    record Quadratic(double stiffness, double center) implements Potential {
        @Override public FactorKind kind() { return FactorKind.ON_SITE_QUADRATIC; }
    }

    /** (k/2)(x - mu)^2 for x >= 0, with a hard wall at 0 (a rectified unit). */
    record Rectified(double stiffness, double center) implements Potential {
        @Override public FactorKind kind() { return FactorKind.ON_SITE_RECTIFIED; }
    }

    /** Zero inside [lo, hi], hard walls outside. */
    record Box(double lo, double hi) implements Potential {
        @Override public FactorKind kind() { return FactorKind.ON_SITE_BOX; }
    }

    static Quadratic quadratic(double stiffness, double center) {
        return new Quadratic(stiffness, center);
    }

    static Rectified rectified(double stiffness, double center) {
        return new Rectified(stiffness, center);
    }

    static Box box(double lo, double hi) {
        return new Box(lo, hi);
    }
}
