package dev.tdi.substrate.fpga;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.Registers;
import dev.tdi.substrate.fpga.transport.InProcessTransport;
import dev.tdi.substrate.fpga.transport.MmapTransport;
import dev.tdi.substrate.fpga.transport.TcpTransport;
import dev.tdi.substrate.fpga.transport.Transport;
import dev.tdi.substrate.program.FactorKind;
import dev.tdi.substrate.program.OperatorKind;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * Provider {@code fpga}: the TDI-F1 FPGA device (docs/fpga-device.md) through its driver, over
 * {@code fpga.transport=inprocess} (the bit-exact emulator in this JVM; the default, no board needed),
 * {@code tcp} (a board or {@code ./tdi fpga-emulator --port N}) or {@code mmap} (a UIO/XDMA BAR or a served file).
 */
public final class FpgaProvider implements SubstrateProvider {
    public static final String NAME = "fpga";

    /**
     * The reference design's capabilities: ranges from {@link DeviceRanges}, relaxation schedules
     * ({@link Feature#SCHEDULES}); a device reporting smaller limits or fewer features narrows them when opened.
     */
    public static Capabilities designCapabilities() {
        return Capabilities.builder().factorKinds(EnumSet.allOf(FactorKind.class))
                .operatorKinds(EnumSet.allOf(OperatorKind.class)).maxUnits(FpgaDevice.MAX_UNITS)
                .maxCouplings(1L << 40).maxChains(FpgaDevice.MAX_CHAINS).numberFormat(NumberFormat.fixed(32, Fx.FRAC))
                .couplingRange(DeviceRanges.COUPLING).stiffnessRange(DeviceRanges.STIFFNESS)
                .feature(Feature.SCHEDULES)
                .maxBiasMagnitude(Fx.real(Fx.STATE_MAX))
                .noise(new NoiseModel(NoiseModel.Kind.ON_CHIP_PSEUDO_RANDOM,
                        "counter-based SplitMix64 hash of (chain key, step, unit) per lane; Irwin-Hall sum of four"
                                + " 16-bit uniforms scaled to unit variance (Q.16)"))
                .build();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "TDI-F1 FPGA driver: fixed point Q15.16 states, Q7.16 couplings, on-chip noise; transports"
                + " inprocess (bit-exact emulator, default), tcp, mmap (fpga.transport=...)";
    }

    @Override
    public Capabilities capabilities() {
        return designCapabilities();
    }

    @Override
    public Substrate open(SubstrateConfig config) {
        FpgaSettings s = FpgaSettings.from(NAME, config);
        Transport t = switch (s.transport()) {
            case "tcp" -> new TcpTransport(s.host(), s.port(), s.ioTimeoutMs(), s.connectTimeoutMs(), s.retries());
            case "mmap" -> s.mmapEmulate()
                    ? MmapTransport.withEmulator(Path.of(s.device()), s.mmapSize() > 0 ? s.mmapSize()
                    : Registers.REG_WINDOW + ((long) s.emulatorMemoryMb() << 20), s.emulatorThreads())
                    : MmapTransport.open(Path.of(s.device()), s.mmapSize());
            default -> new InProcessTransport(FpgaDevice.inMemory((long) s.emulatorMemoryMb() << 20,
                    s.emulatorThreads()), true);
        };
        return session(t, s);
    }

    /**
     * A session on the device behind {@code t}: the design's capabilities narrowed to what the device reports
     * (units, chains, optional features). Closes {@code t} when the device is refused.
     */
    static FpgaSubstrate session(Transport t, FpgaSettings s) {
        try {
            FpgaDriver driver = new FpgaDriver(t, Math.max(s.ioTimeoutMs(), 1000));
            Capabilities d = designCapabilities();
            EnumSet<Feature> features = EnumSet.noneOf(Feature.class);
            features.addAll(d.features());
            if ((driver.features() & Registers.FEAT_SCHEDULES) == 0) {
                features.remove(Feature.SCHEDULES); // a 1.0 device: no SCHED table
            }
            Capabilities caps = d.toBuilder().maxUnits(Math.min(d.maxUnits(), driver.maxUnits()))
                    .maxChains(Math.min(d.maxChains(), driver.maxChains())).features(features).build();
            return new FpgaSubstrate(NAME, caps, driver, s);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }
}
