package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped model and evaluation subset load, and the model denoises far better than a trivial predictor. */
class DefaultModelTest {
    @Test
    void evaluationSubset() {
        Dataset d = EvaluationSet.loadDefault();
        assertEquals(EvaluationSet.SIZE, d.count());
        assertEquals(28, d.height());
        int[] perClass = new int[10];
        for (int i = 0; i < d.count(); i++) {
            perClass[d.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertTrue(perClass[c] >= 30, "class " + Dataset.FASHION_CLASSES[c] + ": " + perClass[c]);
        }
    }

    @Test
    void shippedModelIsTheDefaultArchitectureAndRecordsItsTraining() {
        UNet net = UNetModel.loadDefault();
        assertEquals(UNetConfig.defaults(), net.config());
        Map<String, String> meta = UNetModel.defaultMetadata();
        assertTrue(meta.get("options").contains("seed=1"), meta.toString());
    }

    @Test
    void denoisesBetterThanTrivialPredictors() {
        UNet net = UNetModel.loadDefault();
        Evaluation.Row[] rows = Evaluation.epsilonMse(net, EvaluationSet.loadDefault(), 96, 5, 7);
        for (Evaluation.Row r : rows) {
            assertTrue(r.modelMse() < 0.5 * r.zeroMse(), "t " + r.tFrom() + ": " + r);
        }
        // where the image is neither nearly clean nor nearly pure noise, the model must beat the per-pixel
        // Gaussian predictor by far
        for (int b = 0; b < 3; b++) {
            assertTrue(rows[b].modelMse() < 0.6 * rows[b].gaussianMse(), "t " + rows[b].tFrom() + ": " + rows[b]);
        }
    }
}
