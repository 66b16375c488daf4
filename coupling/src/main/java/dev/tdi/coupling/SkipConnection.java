package dev.tdi.coupling;

import dev.tdi.substrate.program.Operator;

/**
 * One U-Net skip connection as the compiler sees it: the trained operator from an encoder module to a decoder
 * module, and the encoder module's activations over a calibration set.
 *
 * @param name         a label, e.g. "skip1"
 * @param level        the U-Net level (0 = full resolution)
 * @param sourceModule the encoder module (operator columns)
 * @param targetModule the decoder module (operator rows)
 * @param operator     the trained skip operator W_skip (e.g. the skip half of a concat-then-conv)
 * @param calibration  encoder activations, [sample][unit], each of length operator.cols()
 */
public record SkipConnection(String name, int level, String sourceModule, String targetModule, Operator operator,
                             float[][] calibration) {
}
