package dev.tdi.unet;

import java.util.Arrays;

/**
 * A named float32 tensor: a shape and its row-major data.
 *
 * @param shape the shape (may be empty for a scalar)
 * @param data  the data, of length product(shape)
 */
public record Tensor(int[] shape, float[] data) {
    /** Checks that the data length matches the shape. */
    public Tensor {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    /** Product of the dimensions. */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
