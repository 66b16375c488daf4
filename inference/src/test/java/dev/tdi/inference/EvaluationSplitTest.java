package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dev and test splits: disjoint from each other and from calibration, deterministic, with their own seeds. */
class EvaluationSplitTest {
    private static final UNet NET = UNet.create(UNetConfig.defaults().withChannels(new int[]{2, 4}, 1).withTime(8, 8),
            1);

    private static Workload images(int count) {
        return Workload.of(new float[count * 784], 784, count, count + " blank images");
    }

    private static Set<Integer> indices(EvaluationSplit s) {
        Set<Integer> out = new HashSet<>();
        for (int k = 0; k < s.size(); k++) {
            out.add(s.index(k));
        }
        return out;
    }

    @Test
    void splitsAreDisjointFromEachOtherAndFromCalibration() {
        Set<Integer> dev = indices(EvaluationSplit.DEV);
        Set<Integer> test = indices(EvaluationSplit.TEST);
        assertEquals(250, dev.size());
        assertEquals(4500, test.size());
        assertTrue(dev.stream().noneMatch(test::contains));
        // calibration reads from calibrationOffset() on: 5000 with the full test set, 250 with the shipped 500
        for (int count : new int[]{10_000, 500}) {
            Workload w = images(count);
            int cal = w.calibrationOffset();
            assertTrue(dev.stream().allMatch(i -> i < cal), "dev below calibration for " + count + " images");
            if (count == 10_000) {
                assertTrue(test.stream().allMatch(i -> i < cal), "test below calibration");
            }
        }
        assertNotEquals(EvaluationSplit.DEV.seed(), EvaluationSplit.TEST.seed());
    }

    @Test
    void inputsAreDeterministicWithTheirOwnTAndNoise() {
        Workload w = images(10_000);
        List<Workload.Noised> a = EvaluationSplit.TEST.inputs(NET, w, 20);
        List<Workload.Noised> b = EvaluationSplit.TEST.inputs(NET, w, 20);
        Set<Integer> ts = new HashSet<>();
        for (int k = 0; k < 20; k++) {
            assertEquals(500 + k, a.get(k).index());
            assertEquals(a.get(k).t(), b.get(k).t());
            assertArrayEquals(a.get(k).eps(), b.get(k).eps());
            ts.add(a.get(k).t());
        }
        assertTrue(ts.size() > 15, "each input draws its own t: " + ts);
        // the dev split's input 0 is image 0 under the dev seed, not the test seed
        Workload.Noised d = EvaluationSplit.DEV.inputs(NET, w, 1).get(0);
        assertEquals(0, d.index());
        assertEquals(w.noised(NET, 0, EvaluationSplit.DEV_SEED).t(), d.t());
    }

    @Test
    void badRequestsFailWithOneLine() {
        var small = images(500);
        var e = assertThrows(IllegalArgumentException.class, () -> EvaluationSplit.TEST.inputs(NET, small, 10));
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EvaluationSplit.DEV.inputs(NET, small, 251));
        assertTrue(e.getMessage().contains("--split test"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EvaluationSplit.parse("train"));
        assertTrue(e.getMessage().contains("dev, test"), e.getMessage());
        assertEquals(EvaluationSplit.TEST, EvaluationSplit.parse("test"));
    }
}
