package dev.tdi.unet.classify;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.EvaluationSet;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClassifierTest {

    private static float[] image(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * r.nextDouble() - 1);
        }
        return x;
    }

    /** The analytic gradient matches central finite differences of the loss, in every tensor. */
    @Test
    void backwardMatchesFiniteDifferences() {
        Classifier c = Classifier.initial(3);
        float[] x = image(5);
        float[] g = new float[Classifier.PARAMETERS];
        ClassifierTrainer.backward(c, x, 0, 4, 1f, g);
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < Classifier.NAMES.length; t++) {
            int checked = 0;
            for (int trial = 0; trial < 40 && checked < 3; trial++) {
                int j = Classifier.OFFSETS[t] + r.nextInt(Classifier.OFFSETS[t + 1] - Classifier.OFFSETS[t]);
                if (Math.abs(g[j]) < 1e-4) {
                    continue;
                }
                // ReLU and max-pool kinks can spoil one step size, never all three: a wrong gradient fails every h
                boolean agrees = false;
                StringBuilder fds = new StringBuilder();
                for (double h : new double[]{3e-3, 1e-3, 3e-4}) {
                    double fd = finiteDifference(c, x, j, h);
                    fds.append(' ').append(fd);
                    agrees |= Math.abs(fd - g[j]) <= 0.02 * Math.abs(g[j]) + 1e-3;
                }
                assertTrue(agrees, Classifier.NAMES[t] + "[" + j + "]: gradient " + g[j] + ", differences" + fds);
                checked++;
            }
            assertTrue(checked > 0, "no parameter of " + Classifier.NAMES[t] + " had a gradient to check");
        }
    }

    private static double finiteDifference(Classifier c, float[] x, int j, double h) {
        float w0 = c.w[j];
        c.w[j] = (float) (w0 + h);
        double lp = ClassifierTrainer.backward(c, x, 0, 4, 1f, new float[Classifier.PARAMETERS]);
        c.w[j] = (float) (w0 - h);
        double lm = ClassifierTrainer.backward(c, x, 0, 4, 1f, new float[Classifier.PARAMETERS]);
        c.w[j] = w0;
        return (lp - lm) / (2 * h);
    }

    /** Same seed, same weights, whatever the number of threads; training lowers the loss. */
    @Test
    void trainingIsDeterministicAndLearns() {
        Dataset d = EvaluationSet.loadDefault().head(128);
        ClassifierTrainer.Options o = new ClassifierTrainer.Options(3, 32, 2e-3, 11, 0);
        Classifier a = ClassifierTrainer.train(d, o, null);
        dev.tdi.unet.UNet.setThreads(1);
        Classifier b;
        try {
            b = ClassifierTrainer.train(d, o, null);
        } finally {
            dev.tdi.unet.UNet.setThreads(0);
        }
        assertArrayEquals(a.w, b.w);
        // a few steps on 128 images fit them better than chance (10 %)
        assertTrue(ClassifierTrainer.accuracy(a, d, 128) > 0.3, "accuracy after training on 128 images");
    }

    @Test
    void saveAndLoadRoundTrip(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Classifier c = Classifier.initial(9);
        Path f = dir.resolve("c.safetensors");
        c.save(f, Map.of("seed", "9"));
        Classifier back = Classifier.load(f);
        assertArrayEquals(c.w, back.w);
        assertEquals("9", back.metadata().get("seed"));
        assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainer.Options(1, 12, 1e-3, 1, 0));
    }

    /**
     * The shipped classifier on the shipped 500 test images. Its accuracy on the full test set is recorded in its
     * metadata (>= 0.90); on 500 images the standard error of an accuracy near 0.91 is sqrt(0.91 * 0.09 / 500) =
     * 0.0128, so 4 standard errors below 0.90 (0.85) fails only for a broken classifier.
     */
    @Test
    void shippedClassifierIsAccurate() {
        Classifier c = Classifier.loadDefault();
        double recorded = Double.parseDouble(c.metadata().get("test_accuracy"));
        assertTrue(recorded >= 0.90, "recorded test accuracy " + recorded);
        Dataset d = EvaluationSet.loadDefault();
        double acc = ClassifierTrainer.accuracy(c, d, d.count());
        assertTrue(acc >= 0.90 - 4 * Math.sqrt(0.91 * 0.09 / d.count()), "accuracy on the shipped 500: " + acc);
        Classifier.Output out = c.classify(d.images(0, 4), 4);
        for (int i = 0; i < 4; i++) {
            double s = 0;
            for (int k = 0; k < Classifier.CLASSES; k++) {
                s += out.probabilities()[i * Classifier.CLASSES + k];
            }
            assertEquals(1, s, 1e-5);
        }
    }
}
