package dev.tdi.unet;

import dev.tdi.unet.io.Idx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The evaluation subset shipped with tdi: the first {@value #SIZE} images of the Fashion-MNIST test split, with
 * their labels, as gzip IDX resources, so that the main job needs no download. (Fashion-MNIST is MIT-licensed,
 * Zalando Research.)
 */
public final class EvaluationSet {
    /** Number of images in the shipped subset. */
    public static final int SIZE = 500;
    private static final String RES = "/dev/tdi/unet/eval/";

    private EvaluationSet() {
    }

    /** Loads the shipped evaluation subset. */
    public static Dataset loadDefault() {
        try (InputStream im = open("t10k-images-idx3-ubyte.gz"); InputStream lb = open("t10k-labels-idx1-ubyte.gz")) {
            return Dataset.of(Idx.read(im, RES + "t10k-images-idx3-ubyte.gz"),
                    Idx.read(lb, RES + "t10k-labels-idx1-ubyte.gz"), "images", "labels");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = EvaluationSet.class.getResourceAsStream(RES + name);
        if (in == null) {
            throw new IOException("resource " + RES + name + " is missing from the tdi-unet jar");
        }
        return in;
    }
}
