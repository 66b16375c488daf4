package dev.tdi.inference;

import dev.tdi.unet.classify.Classifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sample quality at scale, judged by tdi's own Fashion-MNIST classifier (docs/physics.md, "Metrics"): FD in its
 * feature space between reference (test) images and digital samples, and substrate samples; FD of the reference
 * set against itself split in halves, and its first D images (D the digital sample count, at most half) against the
 * rest (the floor a perfect model would score at D samples; FD grows as samples shrink); the class
 * agreement between each substrate sample and its digital twin (same seed); the confident fraction (max class
 * probability >= {@value #CONFIDENT}); the PSNR of each substrate sample against its digital twin.
 */
public final class SampleQuality {
    /** The class probability above which a sample counts as confidently classified. */
    public static final double CONFIDENT = 0.9;

    private SampleQuality() {
    }

    /** Every figure with the number of images behind it. */
    public record Report(int referenceImages, int digitalSamples, int substrateSamples, double fdDigital,
                         double fdSubstrate, double fdDigitalTwins, double fdTestHalves, int matchedImages,
                         double fdTestMatched,
                         double classAgreement, double confidentFraction,
                         double confidentFractionDigital, double confidentFractionReference, double psnrVsDigitalDb,
                         double psnrVsDigitalDbMin) {

        /** JSON fields (names as in docs/physics.md). */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fd_digital", fdDigital);
            m.put("fd_substrate", fdSubstrate);
            m.put("fd_digital_twins", fdDigitalTwins);
            m.put("fd_test_halves", fdTestHalves);
            m.put("fd_test_matched", fdTestMatched);
            m.put("fd_test_matched_images", matchedImages);
            m.put("class_agreement", classAgreement);
            m.put("confident_fraction", confidentFraction);
            m.put("confident_fraction_digital", confidentFractionDigital);
            m.put("confident_fraction_reference", confidentFractionReference);
            m.put("psnr_vs_digital_db", psnrVsDigitalDb);
            m.put("psnr_vs_digital_db_min", psnrVsDigitalDbMin);
            m.put("reference_images", referenceImages);
            m.put("digital_samples", digitalSamples);
            m.put("substrate_samples", substrateSamples);
            return m;
        }

        /** Lines for the console, each figure with its counts. */
        public String format() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "  FD (classifier features) digital vs test    %9.3f  (%d samples vs %d"
                    + " images)%n", fdDigital, digitalSamples, referenceImages));
            b.append(String.format(Locale.ROOT, "  FD substrate vs test                       %9.3f  (%d samples vs %d"
                    + " images)%n", fdSubstrate, substrateSamples, referenceImages));
            b.append(String.format(Locale.ROOT, "  FD digital twins vs test                   %9.3f  (%d samples vs %d"
                    + " images: FD(substrate)'s like-for-like)%n", fdDigitalTwins, substrateSamples,
                    referenceImages));
            b.append(String.format(Locale.ROOT, "  FD test vs test (halves)                   %9.3f  (%d vs %d"
                    + " images)%n",
                    fdTestHalves, referenceImages / 2, referenceImages - referenceImages / 2));
            b.append(String.format(Locale.ROOT, "  FD test vs test (matched count)            %9.3f  (%d vs %d"
                    + " images)%n",
                    fdTestMatched, matchedImages, referenceImages - matchedImages));
            b.append(String.format(Locale.ROOT, "  class agreement, substrate vs digital twin %9.4f  (%d pairs)%n",
                    classAgreement, substrateSamples));
            b.append(String.format(Locale.ROOT, "  confident fraction (max p >= %.1f): substrate %.4f (%d), digital"
                    + " %.4f (%d), test %.4f (%d)%n", CONFIDENT, confidentFraction, substrateSamples,
                    confidentFractionDigital, digitalSamples, confidentFractionReference, referenceImages));
            b.append(String.format(Locale.ROOT, "  PSNR substrate vs digital twin (mean/min)  %6.2f / %.2f dB  (%d"
                    + " pairs)%n", psnrVsDigitalDb, psnrVsDigitalDbMin, substrateSamples));
            return b.toString();
        }
    }

    /**
     * Judges samples. {@code substrate.get(i)} and {@code digital.get(i)} share a seed for i below the substrate
     * count (the digital list may be longer); images are flattened 28x28 on [-1, 1].
     */
    public static Report measure(Classifier c, List<float[]> reference, List<float[]> digital,
                                 List<float[]> substrate) {
        if (substrate.size() > digital.size()) {
            throw new IllegalArgumentException(substrate.size() + " substrate samples but only " + digital.size()
                    + " digital twins");
        }
        if (reference.size() < 4 || digital.size() < 2 || substrate.size() < 2) {
            throw new IllegalArgumentException("FD needs at least 2 samples of each kind and 4 reference images;"
                    + " found " + substrate.size() + " substrate, " + digital.size() + " digital, "
                    + reference.size() + " reference");
        }
        Classifier.Output ref = classify(c, reference);
        Classifier.Output dig = classify(c, digital);
        Classifier.Output sub = classify(c, substrate);
        double[][] rf = features(ref, 0, ref.n());
        int half = ref.n() / 2;
        double fdHalves = FrechetDistance.between(features(ref, 0, half), features(ref, half, ref.n()));
        // the floor at the digital sample count: that many test images against the rest of the reference
        int matched = Math.max(2, Math.min(dig.n(), half));
        double fdMatched = FrechetDistance.between(features(ref, 0, matched), features(ref, matched, ref.n()));
        int n = substrate.size();
        double[] psnr = new double[n];
        for (int i = 0; i < n; i++) {
            psnr[i] = OutputMetrics.psnr(substrate.get(i), digital.get(i));
        }
        return new Report(ref.n(), dig.n(), n, FrechetDistance.between(features(dig, 0, dig.n()), rf),
                FrechetDistance.between(features(sub, 0, n), rf),
                FrechetDistance.between(features(dig, 0, n), rf), fdHalves, matched, fdMatched,
                classAgreement(sub, dig, n),
                confidentFraction(sub), confidentFraction(dig), confidentFraction(ref), Metrics.mean(psnr),
                Metrics.min(psnr));
    }

    /** The fraction of the first n images that both outputs put in the same class. */
    public static double classAgreement(Classifier.Output a, Classifier.Output b, int n) {
        if (n < 1 || n > a.n() || n > b.n()) {
            throw new IllegalArgumentException("class agreement over " + n + " pairs of " + a.n() + " and " + b.n());
        }
        int same = 0;
        for (int i = 0; i < n; i++) {
            if (a.label(i) == b.label(i)) {
                same++;
            }
        }
        return (double) same / n;
    }

    /** The fraction of images whose largest class probability is at least {@value #CONFIDENT}. */
    public static double confidentFraction(Classifier.Output o) {
        int k = 0;
        for (int i = 0; i < o.n(); i++) {
            if (o.confidence(i) >= CONFIDENT) {
                k++;
            }
        }
        return (double) k / o.n();
    }

    private static Classifier.Output classify(Classifier c, List<float[]> images) {
        int size = Classifier.SIDE * Classifier.SIDE;
        float[] x = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, x, i * size, size);
        }
        return c.classify(x, images.size());
    }

    private static double[][] features(Classifier.Output o, int from, int to) {
        double[][] f = new double[to - from][];
        for (int i = from; i < to; i++) {
            f[i - from] = o.feature(i);
        }
        return f;
    }
}
