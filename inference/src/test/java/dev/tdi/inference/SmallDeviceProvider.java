package dev.tdi.inference;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.Program;
import java.util.List;

/** A test-only backend that holds at most 64 units: the reference backend behind a small capability check. */
public final class SmallDeviceProvider implements SubstrateProvider {
    static final Capabilities CAPS = Capabilities.everything(64, 10_000, 4, NumberFormat.float64(),
            new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM, "reference"));

    @Override public String name() { return "small-test-device"; }
    @Override public String description() { return "test device holding 64 units"; }
    @Override public Capabilities capabilities() { return CAPS; }

    @Override
    public Substrate open(SubstrateConfig config) {
        Substrate inner = SubstrateRegistry.open("reference", config);
        return new Substrate() {
            @Override public String backend() { return name(); }
            @Override public void program(Program program) {
                List<String> problems = CAPS.problemsWith(program);
                if (!problems.isEmpty()) {
                    throw new UnsupportedProgramException(name(), problems);
                }
                inner.program(program);
            }
            @Override public Program program() { return inner.program(); }
            @Override public void setBias(String field, float[] values) { inner.setBias(field, values); }
            @Override public void setClamp(String module, float[] values) { inner.setClamp(module, values); }
            @Override public RunResult run(RunSpec spec) { return inner.run(spec); }
            @Override public void close() { inner.close(); }
        };
    }
}
