package dev.tdi.unet;

import java.util.HashMap;
import java.util.Map;

/**
 * The network evaluated in double precision with plain loops, from the layer graph and a double parameter vector
 * laid out as {@link UNet#parameters()}: free of float rounding, so finite differences on it can use tiny steps.
 */
final class DoubleReference {
    private DoubleReference() {
    }

    static double[] slice(UNet net, double[] p, String name) {
        UNet.Slot s = net.slots().get(name);
        double[] out = new double[s.size()];
        System.arraycopy(p, s.offset(), out, 0, s.size());
        return out;
    }

    /** The network output for one image. */
    static double[] forward(UNet net, double[] p, double[] x, double t) {
        UNetConfig cfg = net.config();
        int E = cfg.timeEmbedDim(), Ht = cfg.timeHidden();
        float[] ef = net.timeEmbedding(t);
        double[] w1 = slice(net, p, "temb.fc1.w"), b1 = slice(net, p, "temb.fc1.b");
        double[] w2 = slice(net, p, "temb.fc2.w"), b2 = slice(net, p, "temb.fc2.b");
        double[] h1 = new double[Ht], h2 = new double[Ht];
        for (int i = 0; i < Ht; i++) {
            double s = b1[i];
            for (int j = 0; j < E; j++) {
                s += w1[i * E + j] * ef[j];
            }
            h1[i] = Math.max(0, s);
        }
        for (int i = 0; i < Ht; i++) {
            double s = b2[i];
            for (int j = 0; j < Ht; j++) {
                s += w2[i * Ht + j] * h1[j];
            }
            h2[i] = Math.max(0, s);
        }
        Map<String, double[]> act = new HashMap<>();
        act.put(UNet.INPUT, x);
        double[] last = null;
        for (Layer l : net.layers()) {
            int P = l.height() * l.width();
            double[] a = new double[l.size()];
            double[] b = net.slots().containsKey(l.name() + ".b") ? slice(net, p, l.name() + ".b")
                    : new double[l.channels()]; // a pooled skip's average pool has no bias
            double[] tp = l.timeBias() ? slice(net, p, l.name() + ".tproj") : null;
            for (int c = 0; c < l.channels(); c++) {
                double h = b[c];
                if (tp != null) {
                    for (int j = 0; j < Ht; j++) {
                        h += tp[c * Ht + j] * h2[j];
                    }
                }
                for (int q = 0; q < P; q++) {
                    a[c * P + q] = h;
                }
            }
            for (LayerInput in : l.inputs()) {
                double[] w = net.slots().containsKey(in.tensorName()) ? slice(net, p, in.tensorName())
                        : toDouble(in.weight()); // fixed (average-pool) weights are not parameters
                double[] o = LayerGraphTest.apply(in, w, act.get(in.source()), l.height(), l.width());
                for (int i = 0; i < a.length; i++) {
                    a[i] += o[i];
                }
            }
            if (l.activation() == Activation.RELU) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.max(0, a[i]);
                }
            }
            act.put(l.name(), a);
            last = a;
        }
        return last;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** ||out - target||^2 in double. */
    static double loss(UNet net, double[] p, double[] x, double t, float[] target) {
        double[] o = forward(net, p, x, t);
        double s = 0;
        for (int i = 0; i < o.length; i++) {
            double d = o[i] - target[i];
            s += d * d;
        }
        return s;
    }
}
