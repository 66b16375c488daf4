package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.ProgramRange;
import dev.tdi.substrate.program.Program;
import org.junit.jupiter.api.Test;

/**
 * The relaxation plans on a deep (24-layer) synthetic network whose layers grow the signal (norm 1.3): the hold
 * schedule converges in one step per layer within a dynamic range of one decade, where the graded plan needs about
 * 30 decades for the same speed, and uniform weights without a schedule are still far off after 200 steps.
 */
class DeepRelaxationTest {
    static final int DEPTH = 24;
    static final RelaxationStudy.Chain CHAIN = RelaxationStudy.Chain.random(DEPTH, 8, 1.3, 11);

    @Test
    void theHoldScheduleConvergesInOneStepPerLayerWithinOneDecade() {
        RelaxationPlan plan = RelaxationPlan.scheduled(CHAIN.edges(), 1.0, 1);
        Program p = CHAIN.program(plan);
        // the random couplings span about one decade (magnitudes 0.1 .. 1 before normalisation); weights add none
        assertTrue(ProgramRange.of(p).decades() < 1.5, ProgramRange.of(p).toString());
        assertEquals(1.0, ProgramRange.of(p).stiffnessRatio(), 0);
        assertTrue(RelaxationStudy.errorAfter(CHAIN, p, plan, DEPTH) < 1e-6);
        assertTrue(Double.isInfinite(RelaxationStudy.errorAfter(CHAIN, p, plan, DEPTH - 1)),
                "fewer steps than phases cannot release the last layer");
        double kappa = RelaxationStudy.conditionNumber(CHAIN, RelaxationPlan.uniform(CHAIN.edges(),
                RelaxationPlan.AUTO_ETA));
        assertTrue(kappa > 50, "the free chain at uniform weights is ill-conditioned: " + kappa);
    }

    @Test
    void theGradedPlanBuysSpeedWithDecadesAndUniformWeightsAloneAreSlow() {
        RelaxationPlan graded = RelaxationPlan.plan(CHAIN.edges(), RelaxationPlan.AUTO_ETA, 0.1);
        Program gp = CHAIN.program(graded);
        assertTrue(ProgramRange.of(gp).decades() > 20, ProgramRange.of(gp).toString());
        assertTrue(RelaxationStudy.errorAfter(CHAIN, gp, graded, 200) < 1e-3);
        RelaxationPlan uniform = RelaxationPlan.uniform(CHAIN.edges(), RelaxationPlan.AUTO_ETA);
        Program up = CHAIN.program(uniform);
        assertTrue(ProgramRange.of(up).decades() < 1.5, ProgramRange.of(up).toString());
        assertTrue(RelaxationStudy.errorAfter(CHAIN, up, uniform, 200) > 1e-2,
                "uniform weights without a schedule should not have converged in 200 steps");
    }
}
