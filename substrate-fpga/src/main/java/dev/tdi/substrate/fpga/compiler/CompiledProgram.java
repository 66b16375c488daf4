package dev.tdi.substrate.fpga.compiler;

import java.util.Map;

/**
 * A program compiled to the device: the image for the PROGRAM region, where each writable field lives in the
 * BIAS and CLAMP regions, their initial raw values, and the quantisation report.
 *
 * @param image        program image words (docs/fpga-device.md, "Program image")
 * @param biasSlots    bias field name to its first word in the BIAS region
 * @param biasExponents bias field name to the exponent its values are stored with: the value written is
 *                     h 2^-E (E is the module's force exponent for a Bias factor, 0 for a Residual's h)
 * @param clampSlots   clamped module name to its first word in the CLAMP region
 * @param initialBias  raw Q15.16 BIAS region contents
 * @param initialClamp raw Q15.16 CLAMP region contents
 * @param exponents    force exponent E_m of every module (its dt register holds dt 2^E_m)
 * @param report       the quantisation error per factor
 * @param weightWords  coupling-image words (weights, stencils, low-rank factors)
 * @param macsPerStep  multiply-accumulates per step per chain
 * @param resources    what a board needs to hold and run it (docs/fpga-device.md, "Resources")
 */
public record CompiledProgram(int[] image, Map<String, Integer> biasSlots, Map<String, Integer> biasExponents,
                              Map<String, Integer> clampSlots, int[] initialBias, int[] initialClamp, int[] exponents,
                              QuantisationReport report, long weightWords, long macsPerStep,
                              ResourceEstimate resources) {

    /** Bytes of the image. */
    public long imageBytes() {
        return 4L * image.length;
    }
}
