package dev.tdi.bench.kernels;

import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import dev.tdi.unet.OpKind;
import dev.tdi.unet.UNet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One convolution of the U-Net, as the kernels see it, and the matrix product its forward pass is.
 *
 * @param name      a short name: {@code conv16-16s1@28} (conv, in -&gt; out channels, stride, input size) or
 *                  {@code convT64-32s2@7}
 * @param layers    the U-Net inputs that have this shape ({@code dec0_0.w1, ...})
 * @param transpose a transposed convolution
 */
public record ConvShape(String name, String layers, boolean transpose, int inC, int inH, int inW, int outC,
                        int outH, int outW, int k, int stride, int pad, int outPad) {

    /** The distinct convolution shapes of a U-Net, in layer order. */
    public static List<ConvShape> of(UNet net) {
        Map<String, ConvShape> m = new LinkedHashMap<>();
        for (Layer l : net.layers()) {
            for (LayerInput in : l.inputs()) {
                boolean t = in.kind() == OpKind.CONV_TRANSPOSE;
                String name = (t ? "convT" : "conv") + in.inChannels() + "-" + l.channels() + "s" + in.stride() + "@"
                        + in.inHeight();
                ConvShape prev = m.get(name);
                String layers = (prev == null ? "" : prev.layers() + " ") + in.tensorName();
                m.put(name, new ConvShape(name, layers, t, in.inChannels(), in.inHeight(), in.inWidth(), l.channels(),
                        l.height(), l.width(), in.kernel(), in.stride(), in.padding(), in.outputPadding()));
            }
        }
        return new ArrayList<>(m.values());
    }

    /** The shape of that name in the U-Net; a one-line error listing the names when there is none. */
    public static ConvShape named(UNet net, String name) {
        List<ConvShape> all = of(net);
        for (ConvShape s : all) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no convolution shape \"" + name + "\" in the U-Net; shapes: "
                + all.stream().map(ConvShape::name).toList());
    }

    /** Multiply-adds of one image's forward pass (the backward pass has twice as many). */
    public long macs() {
        return (long) (transpose ? inH * inW : outH * outW) * inC * outC * k * k;
    }

    /** The forward product: rows M. Conv: C_out; transposed: C_out k k. */
    public int gemmM() {
        return transpose ? outC * k * k : outC;
    }

    /** The forward product: columns N. Conv: output pixels; transposed: input pixels. */
    public int gemmN() {
        return transpose ? inH * inW : outH * outW;
    }

    /** The forward product: sum length K. Conv: C_in k k; transposed: C_in. */
    public int gemmK() {
        return transpose ? inC : inC * k * k;
    }

    /** Floats of the patch matrix (im2col) one image needs. */
    public int colSize() {
        return (transpose ? outC * k * k * inH * inW : inC * k * k * outH * outW);
    }

    /** Weight count. */
    public int weightSize() {
        return inC * outC * k * k;
    }
}
