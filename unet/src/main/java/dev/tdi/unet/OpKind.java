package dev.tdi.unet;

/** The linear operator of one layer input. */
public enum OpKind {
    /** A 2-D convolution (cross-correlation, PyTorch Conv2d semantics), weight [outC][inC][k][k]. */
    CONV,
    /** A transposed 2-D convolution (PyTorch ConvTranspose2d semantics), weight [inC][outC][k][k]. */
    CONV_TRANSPOSE
}
