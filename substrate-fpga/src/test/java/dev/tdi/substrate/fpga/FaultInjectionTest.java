package dev.tdi.substrate.fpga;

import static dev.tdi.substrate.fpga.FaultProxy.Action.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Registers;
import dev.tdi.substrate.fpga.transport.FpgaEmulatorServer;
import dev.tdi.substrate.fpga.transport.Wire;
import dev.tdi.substrate.program.Program;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults on the link and in the device, injected between the driver and an emulator server: each is detected and
 * reported as its typed error with context, no partial result is returned, and the session either recovers (the
 * next run is bit-identical to a clean one) or closes cleanly.
 */
class FaultInjectionTest {
    private static final Program PROGRAM = Programs.gaussian();
    private static final RunSpec SPEC = RunSpec.builder().steps(100, 100).stepSize(0.05).temperature(0.5).seed(3)
            .chains(2).build();

    private FpgaEmulatorServer server;
    private FaultProxy proxy;
    private RunResult clean;

    @BeforeEach
    void start() throws Exception {
        server = FpgaEmulatorServer.loopback(FpgaDevice.inMemory(8L << 20, 1), true);
        proxy = new FaultProxy(server.port());
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            clean = s.run(SPEC);
        }
    }

    @AfterEach
    void stop() {
        proxy.close();
        server.close();
    }

    private FpgaSubstrate open(int runTimeoutMs) {
        return (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.of("fpga.transport=tcp",
                "fpga.port=" + proxy.port(), "fpga.io-timeout-ms=250", "fpga.connect-timeout-ms=250",
                "fpga.retries=2", "fpga.run-timeout-ms=" + runTimeoutMs));
    }

    private void assertSameAsClean(RunResult r) {
        for (int c = 0; c < SPEC.chains(); c++) {
            assertArrayEquals(clean.finalState(c), r.finalState(c), "final state, chain " + c);
            assertArrayEquals(clean.mean(c), r.mean(c), "mean, chain " + c);
        }
    }

    private static boolean isStart(FaultProxy.Request r) {
        return r.op() == Wire.OP_WRITE32 && r.arg() == Registers.CTRL;
    }

    private static boolean isPoll(FaultProxy.Request r) {
        return r.op() == Wire.OP_READ32 && r.arg() == Registers.CMD_SEQ;
    }

    @Test
    void aDroppedRequestIsRetriedAfterTheTimeout() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            FaultProxy.Rule rule = proxy.add(r -> r.op() == Wire.OP_WRITE, DROP_REQUEST, 1);
            assertSameAsClean(s.run(SPEC));
            assertEquals(1, rule.fired.get());
            assertTrue(s.transportStats().retries() >= 1);
        }
    }

    @Test
    void aLostAcknowledgementOfStartDoesNotStartTwice() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            long before = stepsExecuted();
            FaultProxy.Rule rule = proxy.add(FaultInjectionTest::isStart, DROP_RESPONSE, 1);
            assertSameAsClean(s.run(SPEC));
            assertEquals(1, rule.fired.get());
            // The retransmitted START was answered from the server's replay cache, not executed again.
            assertEquals(SPEC.burnIn() + SPEC.window(), stepsExecuted() - before);
            assertTrue(server.device().read32(Registers.LINK_REPLAYS) >= 1);
        }
    }

    private long stepsExecuted() {
        FpgaDevice d = server.device();
        return (d.read32(Registers.TOTAL_STEPS_LO) & 0xFFFF_FFFFL) | ((long) d.read32(Registers.TOTAL_STEPS_HI) << 32);
    }

    @Test
    void corruptedFramesInEitherDirectionAreDetectedAndRetried() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            int crcBefore = server.device().read32(Registers.LINK_CRC_ERRORS);
            FaultProxy.Rule up = proxy.add(r -> r.op() == Wire.OP_WRITE, CORRUPT_REQUEST, 2);
            FaultProxy.Rule down = proxy.add(r -> r.op() == Wire.OP_READ, CORRUPT_RESPONSE, 1);
            assertSameAsClean(s.run(SPEC));
            assertEquals(2, up.fired.get());
            assertEquals(1, down.fired.get());
            assertEquals(crcBefore + 2, server.device().read32(Registers.LINK_CRC_ERRORS),
                    "the device counts the requests that failed their checksum");
        }
    }

    @Test
    void persistentCorruptionIsAChecksumErrorAndTheSessionRecovers() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            proxy.add(r -> r.op() == Wire.OP_READ, CORRUPT_RESPONSE, -1);
            FpgaChecksumException e = assertThrows(FpgaChecksumException.class, () -> s.run(SPEC));
            assertTrue(e.getMessage().contains("READ") && e.getMessage().contains("3 attempts"), e.getMessage());
            proxy.heal();
            assertSameAsClean(s.run(SPEC));
        }
    }

    @Test
    void aDeviceThatStopsAnsweringIsATimeout() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            proxy.add(FaultInjectionTest::isPoll, DROP_RESPONSE, -1);
            FpgaTimeoutException e = assertThrows(FpgaTimeoutException.class, () -> s.run(SPEC));
            assertTrue(e.getMessage().contains("no response within 250 ms"), e.getMessage());
            proxy.heal();
            assertSameAsClean(s.run(SPEC));
        }
    }

    @Test
    void aLinkLostMidRunIsReportedAndTheSessionClosesCleanly() {
        FpgaSubstrate s = open(5000);
        s.program(PROGRAM);
        FaultProxy.Rule cut = proxy.add(FaultInjectionTest::isPoll, CUT, 1);
        FpgaLinkLostException e = assertThrows(FpgaLinkLostException.class, () -> s.run(SPEC));
        assertEquals(1, cut.fired.get());
        assertTrue(e.getMessage().contains("link lost"), e.getMessage());
        s.close(); // must not throw with the link down
        assertThrows(IllegalStateException.class, () -> s.run(SPEC));
    }

    @Test
    void aLinkRestoredAfterALossIsReconnectedTransparently() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            proxy.add(FaultInjectionTest::isPoll, CUT, 1);
            assertThrows(FpgaLinkLostException.class, () -> s.run(SPEC));
            proxy.heal();
            assertSameAsClean(s.run(SPEC));
            assertTrue(s.transportStats().reconnects() >= 1);
        }
    }

    @Test
    void aDeviceErrorFlagIsReportedWithItsCodeAndCleared() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            server.device().faults().parityErrorAfterSteps = 10;
            FpgaDeviceErrorException e = assertThrows(FpgaDeviceErrorException.class, () -> s.run(SPEC));
            assertEquals(Registers.ERR_PARITY, e.code());
            assertTrue(e.getMessage().contains("PARITY"), e.getMessage());
            assertSameAsClean(s.run(SPEC));
        }
    }

    @Test
    void aDeviceThatNeverReportsDoneTimesOutAndIsAborted() {
        try (FpgaSubstrate s = open(800)) {
            s.program(PROGRAM);
            server.device().faults().neverDone = true;
            FpgaRunTimeoutException e = assertThrows(FpgaRunTimeoutException.class, () -> s.run(SPEC));
            assertTrue(e.getMessage().contains("fpga.run-timeout-ms = 800") && e.getMessage().contains("aborted"),
                    e.getMessage());
            assertSameAsClean(s.run(SPEC));
        }
    }

    @Test
    void aSlowRunThatKeepsProgressingIsNotTimedOut() {
        try (FpgaSubstrate s = open(300)) {
            s.program(PROGRAM);
            server.device().faults().throttleMillisPer16Steps = 60; // ~750 ms per 200 steps, 2.5 x the timeout
            long t0 = System.nanoTime();
            assertSameAsClean(s.run(SPEC));
            assertTrue(System.nanoTime() - t0 > 600_000_000L, "the run really was slower than the timeout");
            server.device().faults().throttleMillisPer16Steps = 0;
        }
    }

    @Test
    void aRunThatCompletesFewerStepsThanAskedIsNeverReturned() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            // The device (through a checksum-valid response) claims DONE after one step fewer than requested.
            proxy.add(r -> r.op() == Wire.OP_READ32 && r.arg() == Registers.STEPS_DONE_LO, DECREMENT_VALUE, 1);
            FpgaProtocolException e = assertThrows(FpgaProtocolException.class, () -> s.run(SPEC));
            assertTrue(e.getMessage().contains("after 99 of 100 steps") && e.getMessage().contains("no result"),
                    e.getMessage());
            assertSameAsClean(s.run(SPEC));
        }
    }

    @Test
    void aDeviceThatLostItsProgramIsReloaded() {
        try (FpgaSubstrate s = open(5000)) {
            s.program(PROGRAM);
            int tag = server.device().read32(Registers.LOADED_TAG);
            server.device().write32(Registers.CTRL, Registers.CTRL_RESET); // e.g. a board power cycle
            // The sequencer applies the reset asynchronously; a power cycle is over before the host's next access.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.device().read32(Registers.LOADED_TAG) == tag && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(server.device().read32(Registers.LOADED_TAG) != tag, "the device did not reset");
            assertSameAsClean(s.run(SPEC));
        }
    }

    @Test
    void noServerAtAllIsALinkError() {
        proxy.add(r -> true, CUT, -1);
        proxy.close();
        FpgaLinkLostException e = assertThrows(FpgaLinkLostException.class, () -> open(5000));
        assertTrue(e.getMessage().contains("HELLO"), e.getMessage());
    }
}
