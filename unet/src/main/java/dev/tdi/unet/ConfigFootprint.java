package dev.tdi.unet;

/**
 * The memory a {@link UNetConfig} needs, computed from the sizes alone, in 64-bit arithmetic, before anything is
 * allocated: the same layer graph as {@link UNet} (encoder, up-convolutions, decoder with skip merges, output layer,
 * time MLP), counted rather than built. A config whose network cannot be held is refused with these numbers instead
 * of failing later with an integer overflow or an OutOfMemoryError.
 *
 * @param parameters  trainable parameters (float32 each)
 * @param activations values of every layer's output for one image (the forward pass keeps all of them as taps)
 * @param largestPatch values of the largest im2col patch matrix one convolution needs for one image
 */
public record ConfigFootprint(long parameters, long activations, long largestPatch) {

    /** The largest Java array (elements) tdi allocates in one piece. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8L;

    /** Counts a config's sizes; saturates at Long.MAX_VALUE instead of overflowing. */
    public static ConfigFootprint of(UNetConfig cfg) {
        int[] ch = cfg.channels();
        int levels = ch.length, blocks = cfg.blocksPerLevel(), k = cfg.kernelSize(), p = k / 2;
        long kk = (long) k * k, ht = cfg.timeHidden(), e = cfg.timeEmbedDim();
        long[] hw = new long[levels];
        long h = cfg.imageSize();
        for (int l = 0; l < levels; l++) {
            if (l > 0) {
                h = (h + 2 * p - k) / 2 + 1;
            }
            hw[l] = h * h;
        }
        long params = add(add(mul(ht, e), mul(ht, ht)), 2 * ht);
        long acts = (long) cfg.imageChannels() * hw[0];
        long patch = 0;
        long inC = cfg.imageChannels();
        for (int l = 0; l < levels; l++) {
            for (int b = 0; b < blocks; b++) { // encoder conv: bias, time projection, weights
                params = add(params, layer(ch[l], ht, mul(mul(ch[l], inC), kk)));
                acts = add(acts, mul(ch[l], hw[l]));
                patch = Math.max(patch, mul(mul(inC, kk), hw[l]));
                inC = ch[l];
            }
        }
        for (int l = levels - 2; l >= 0; l--) {
            params = add(params, layer(ch[l], ht, mul(mul(inC, ch[l]), kk))); // up-convolution
            acts = add(acts, mul(ch[l], hw[l]));
            patch = Math.max(patch, mul(mul(ch[l], kk), hw[l + 1]));
            for (int b = 0; b < blocks; b++) {
                long in = b == 0 ? 2L * ch[l] : ch[l]; // the first block also reads the skip
                params = add(params, layer(ch[l], ht, mul(mul(ch[l], in), kk)));
                acts = add(acts, mul(ch[l], hw[l]));
                patch = Math.max(patch, mul(mul(ch[l], kk), hw[l]));
            }
            inC = ch[l];
        }
        long outIn = cfg.inputSkip() ? inC + cfg.imageChannels() : inC;
        params = add(params, add(cfg.imageChannels(), mul(mul(cfg.imageChannels(), outIn), kk)));
        acts = add(acts, cfg.imageChannels() * hw[0]);
        patch = Math.max(patch, mul(mul(inC, kk), hw[0]));
        return new ConfigFootprint(params, acts, patch);
    }

    /** Bytes to hold the weights and run one image forward (float32 weights, taps and one patch matrix). */
    public long bytesForOneImage() {
        return mul(4, add(add(parameters, activations), largestPatch));
    }

    /**
     * Checks that the network can be held: each array within Java's limit and the one-image footprint within
     * {@code heapBytes}.
     *
     * @throws IllegalArgumentException naming the sizes and the limit
     */
    public void requireFits(long heapBytes) {
        if (parameters > MAX_ARRAY || activations > MAX_ARRAY || largestPatch > MAX_ARRAY) {
            throw new IllegalArgumentException("U-Net config: the network is too large to hold: " + describe()
                    + "; each must be at most " + MAX_ARRAY + " (one Java array)");
        }
        if (bytesForOneImage() > heapBytes) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "U-Net config: the network"
                    + " needs about %.0f MiB for its weights and one image (%s), more than the %.0f MiB Java heap"
                    + " (raise -Xmx or choose smaller channels, blocksPerLevel, kernelSize or imageSize)",
                    bytesForOneImage() / 1048576.0, describe(), heapBytes / 1048576.0));
        }
    }

    private String describe() {
        return parameters + " parameters, " + activations + " activation values per image, a " + largestPatch
                + "-value convolution patch";
    }

    private static long layer(long c, long ht, long weights) {
        return add(add(c, mul(c, ht)), weights);
    }

    private static long mul(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long add(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
