package dev.tdi.substrate.program;

/** The operator kinds a coupling or residual source may use; a backend declares which it supports. */
public enum OperatorKind {
    /** Row-major dense matrix. */
    DENSE,
    /** Compressed sparse rows. */
    SPARSE,
    /** 2-D convolution stencil (C_out x C_in x kh x kw, stride, padding). */
    CONV2D,
    /** Transposed 2-D convolution (PyTorch ConvTranspose2d semantics). */
    CONV_TRANSPOSE2D,
    /** Low-rank product U V^T. */
    LOW_RANK
}
