package dev.tdi.unet;

import dev.tdi.unet.io.Idx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A labelled image set (MNIST-style: unsigned-byte pixels, one label per image), loaded from IDX files.
 *
 * @param count    number of images
 * @param height   image height
 * @param width    image width
 * @param pixels   count x height x width bytes (0..255)
 * @param labels   count labels (0..9)
 */
public record Dataset(int count, int height, int width, byte[] pixels, byte[] labels) {
    /** Where the Debian package dataset-fashion-mnist installs Fashion-MNIST. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The Fashion-MNIST class names, by label. */
    public static final String[] FASHION_CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot"};

    /** Checks sizes. */
    public Dataset {
        if (pixels.length != (long) count * height * width || labels.length != count) {
            throw new IllegalArgumentException("dataset sizes do not match: " + count + " images of " + height + "x"
                    + width + ", " + pixels.length + " pixel bytes, " + labels.length + " labels");
        }
    }

    /**
     * Loads the training ({@code train-*}) or test ({@code t10k-*}) split of an MNIST-format directory (Fashion-MNIST
     * or MNIST), gzip or not.
     *
     * @throws IOException naming the package to install when the directory or a file is missing, and naming the
     *                     file when it is corrupt or the image and label counts differ
     */
    public static Dataset load(Path dir, boolean train) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        return fromFiles(images, labels);
    }

    /** Loads a pair of IDX files. */
    public static Dataset fromFiles(Path images, Path labels) throws IOException {
        Idx.Array im = Idx.read(images);
        Idx.Array lb = Idx.read(labels);
        return of(im, lb, images.toString(), labels.toString());
    }

    /** Builds a dataset from two parsed IDX arrays; names are used in errors. */
    public static Dataset of(Idx.Array im, Idx.Array lb, String imName, String lbName) throws IOException {
        if (im.dims().length != 3) {
            throw new IOException(imName + ": expected 3 dimensions (count, rows, cols), got " + im.dims().length);
        }
        if (lb.dims().length != 1) {
            throw new IOException(lbName + ": expected 1 dimension (count), got " + lb.dims().length);
        }
        if (im.count() < 1 || im.dims()[1] < 1 || im.dims()[2] < 1) {
            throw new IOException(imName + ": holds " + im.count() + " images of " + im.dims()[1] + "x" + im.dims()[2]
                    + " pixels (accepted: at least 1 image of at least 1x1)");
        }
        if (im.count() != lb.count()) {
            throw new IOException("count mismatch: " + imName + " holds " + im.count() + " images but " + lbName
                    + " holds " + lb.count() + " labels");
        }
        return new Dataset(im.count(), im.dims()[1], im.dims()[2], im.data(), lb.data());
    }

    private static Path find(Path dir, String base) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("dataset directory " + dir + " does not exist. Install Fashion-MNIST with "
                    + "`apt-get install dataset-fashion-mnist` (it installs into " + DEFAULT_DIR
                    + "), or pass --data DIR pointing at MNIST-format IDX files");
        }
        for (String n : new String[]{base + ".gz", base}) {
            Path p = dir.resolve(n);
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IOException("dataset file " + dir.resolve(base) + "[.gz] is missing. Install Fashion-MNIST with "
                + "`apt-get install dataset-fashion-mnist`, or pass --data DIR pointing at MNIST-format IDX files");
    }

    /** Pixels of image i scaled to [-1, 1], written into dst at off. */
    public void image(int i, float[] dst, int off) {
        int n = height * width;
        for (int j = 0; j < n; j++) {
            dst[off + j] = (pixels[i * n + j] & 0xff) / 127.5f - 1f;
        }
    }

    /** Images [first, first+n) scaled to [-1, 1], [n][1][H][W] flattened. */
    public float[] images(int first, int n) {
        float[] out = new float[n * height * width];
        for (int i = 0; i < n; i++) {
            image(first + i, out, i * height * width);
        }
        return out;
    }

    /** Label of image i. */
    public int label(int i) {
        return labels[i];
    }

    /** The first n images and labels. */
    public Dataset head(int n) {
        int m = height * width;
        return new Dataset(n, height, width, java.util.Arrays.copyOf(pixels, n * m), java.util.Arrays.copyOf(labels, n));
    }

    /** Writes the set as gzip IDX files {@code prefix-images-idx3-ubyte.gz} and {@code prefix-labels-idx1-ubyte.gz}. */
    public void write(Path dir, String prefix) throws IOException {
        Files.createDirectories(dir);
        Idx.write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), new int[]{count, height, width}, pixels);
        Idx.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), new int[]{count}, labels);
    }
}
