package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.unet.EvaluationSet;
import dev.tdi.unet.classify.Classifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Class agreement, confident fraction and the whole report on hand-made and real images. */
class SampleQualityTest {

    /** Probabilities for three images, classes by hand. */
    private static Classifier.Output output(float[][] p) {
        float[] flat = new float[p.length * Classifier.CLASSES];
        for (int i = 0; i < p.length; i++) {
            System.arraycopy(p[i], 0, flat, i * Classifier.CLASSES, Classifier.CLASSES);
        }
        return new Classifier.Output(p.length, new float[p.length * Classifier.FEATURES], flat);
    }

    private static float[] onClass(int c, float p) {
        float[] v = new float[Classifier.CLASSES];
        java.util.Arrays.fill(v, (1 - p) / (Classifier.CLASSES - 1));
        v[c] = p;
        return v;
    }

    @Test
    void agreementAndConfidenceByHand() {
        Classifier.Output a = output(new float[][]{onClass(1, 0.95f), onClass(2, 0.5f), onClass(3, 0.92f)});
        Classifier.Output b = output(new float[][]{onClass(1, 0.6f), onClass(7, 0.99f), onClass(3, 0.3f)});
        assertEquals(2.0 / 3, SampleQuality.classAgreement(a, b, 3), 1e-12);
        assertEquals(1.0, SampleQuality.classAgreement(a, b, 1), 1e-12);
        assertEquals(2.0 / 3, SampleQuality.confidentFraction(a), 1e-12); // 0.95 and 0.92 count, 0.5 does not
        assertEquals(1.0 / 3, SampleQuality.confidentFraction(b), 1e-12);
    }

    /** Substrate samples equal to their digital twins: agreement 1, PSNR at the cap, equal FD. */
    @Test
    void identicalSamplesAgreeCompletely() {
        var data = EvaluationSet.loadDefault();
        List<float[]> ref = new ArrayList<>();
        List<float[]> dig = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            float[] x = new float[784];
            data.image(i, x, 0);
            (i < 160 ? ref : dig).add(x);
        }
        SampleQuality.Report r = SampleQuality.measure(Classifier.loadDefault(), ref, dig, dig.subList(0, 40));
        assertEquals(1.0, r.classAgreement(), 0);
        assertEquals(OutputMetrics.MAX_PSNR_DB, r.psnrVsDigitalDb(), 0);
        assertEquals(r.fdDigitalTwins(), r.fdSubstrate(), 1e-9);
        assertTrue(r.fdTestMatched() > 0 && r.matchedImages() == 40, r.toString());
        assertEquals(160, r.referenceImages());
        assertTrue(r.fdTestHalves() > 0 && r.confidentFractionReference() > 0.5, r.toString());
        assertTrue(r.toMap().keySet().containsAll(List.of("fd_digital", "fd_substrate", "fd_test_halves",
                "class_agreement", "confident_fraction", "psnr_vs_digital_db", "digital_samples", "substrate_samples",
                "fd_digital_twins", "fd_test_matched")));
    }
}
