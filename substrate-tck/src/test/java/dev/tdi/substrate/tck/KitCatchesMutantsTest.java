package dev.tdi.substrate.tck;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * The kit's sharper checks catch real defects: each mutant fixture (FixtureBackend) fails the check aimed at it
 * with a message naming the likely cause, and the honest variant of the same code passes those checks.
 */
class KitCatchesMutantsTest {

    private static SubstrateConformanceKit kit(String provider) {
        return new SubstrateConformanceKit() {
            @Override
            protected String providerName() {
                return provider;
            }
        };
    }

    @Test
    void theHonestFixturePassesTheNewChecks() {
        SubstrateConformanceKit honest = kit("fixture-honest");
        honest.perModuleStepSizesDriveTheDrift();
        honest.perModuleStepSizesScaleTheNoise();
        honest.wallsReflect();
    }

    @Test
    void aBackendThatIgnoresPerModuleStepSizesFails() {
        SubstrateConformanceKit mutant = kit("mutant-run-step-only");
        AssertionFailedError drift = assertThrows(AssertionFailedError.class, mutant::perModuleStepSizesDriveTheDrift);
        assertTrue(drift.getMessage().contains("ignores RunSpec.stepSize(module)"), drift.getMessage());
        AssertionFailedError noise = assertThrows(AssertionFailedError.class, mutant::perModuleStepSizesScaleTheNoise);
        assertTrue(noise.getMessage().contains("each module's own dt"), noise.getMessage());
    }

    @Test
    void aBackendWhoseNoiseIgnoresPerModuleStepSizesFails() {
        SubstrateConformanceKit mutant = kit("mutant-noise-run-step");
        mutant.perModuleStepSizesDriveTheDrift(); // its drift is right, so only the covariance can tell
        AssertionFailedError e = assertThrows(AssertionFailedError.class, mutant::perModuleStepSizesScaleTheNoise);
        assertTrue(e.getMessage().contains("noise amplitude"), e.getMessage());
    }

    @Test
    void aBackendThatClipsInsteadOfReflectingFails() {
        SubstrateConformanceKit mutant = kit("mutant-clipping");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, mutant::wallsReflect);
        assertTrue(e.getMessage().contains("clipping"), e.getMessage());
    }
}
