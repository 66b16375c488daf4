package dev.tdi.substrate.fpga;

import dev.tdi.substrate.Range;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.ImageFormat;

/**
 * The coupling and stiffness ranges the TDI-F1 declares ({@link dev.tdi.substrate.Capabilities#couplingRange()},
 * {@link dev.tdi.substrate.Capabilities#stiffnessRange()}), derived from its fixed-point formats and the per-module
 * power-of-two force exponents E in 0..{@value ImageFormat#MAX_EXPONENT} the compiler assigns (docs/fpga-device.md,
 * "Declared ranges"). In program units (kT at T = 1), as {@link dev.tdi.substrate.ProgramRange} measures them:
 * <ul>
 *   <li><b>stiffness</b> (on-site k, residual w): stored as k 2^-E in Q15.16, so the largest is
 *       (2^31 - 1) 2^-16 2^30 = 3.52e13. The largest/smallest ratio is that of one Q15.16 word,
 *       2^31 - 1 = 2.1e9 (9.3 decades): a module's values below its quantum 2^(E-16) are lost. Across modules the
 *       exponents would stretch the spread to 2^61 (18 decades), which bounds nothing; the declared ratio is the
 *       word's, so a program the check admits never relies on two exponents to resolve its spread.</li>
 *   <li><b>coupling</b> (Coupling entries, and w |W_ij| of residual sources): operator entries are stored in Q7.16
 *       (24 bits) with no exponent; a residual's w multiplies them. The largest is the largest entry times the
 *       largest w, (2^23 - 1) 2^-16 x 3.52e13 = 4.50e15; a Coupling factor's own entries stay within
 *       127.99998, which the compiler checks per entry. The ratio is that of one Q7.16 word, 2^23 - 1 = 8.4e6
 *       (6.9 decades): an entry 2^-17 or more below full scale rounds to zero.</li>
 * </ul>
 */
public final class DeviceRanges {
    private DeviceRanges() {
    }

    /** 2^E for the largest force exponent. */
    static final double MAX_SCALE = Math.scalb(1.0, ImageFormat.MAX_EXPONENT);

    /** On-site stiffnesses and residual weights. */
    public static final Range STIFFNESS = new Range(Fx.real(Fx.STATE_MAX) * MAX_SCALE, Fx.STATE_MAX);

    /** Coupling entries and residual-source couplings w |W_ij|. */
    public static final Range COUPLING = new Range(Fx.real(Fx.WEIGHT_MAX) * Fx.real(Fx.STATE_MAX) * MAX_SCALE,
            Fx.WEIGHT_MAX);
}
