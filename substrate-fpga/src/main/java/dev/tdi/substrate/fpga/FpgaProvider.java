package dev.tdi.substrate.fpga;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
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

    /** The reference design's capabilities; a device reporting smaller limits narrows them when opened. */
    public static Capabilities designCapabilities() {
        return new Capabilities(EnumSet.allOf(FactorKind.class), EnumSet.allOf(OperatorKind.class),
                FpgaDevice.MAX_UNITS, 1L << 40, FpgaDevice.MAX_CHAINS, NumberFormat.fixed(32, Fx.FRAC),
                Fx.real(Fx.WEIGHT_MAX), Fx.real(Fx.STATE_MAX), new NoiseModel(NoiseModel.Kind.ON_CHIP_PSEUDO_RANDOM,
                "counter-based SplitMix64 hash of (chain key, step, unit) per lane; Irwin-Hall sum of four 16-bit"
                        + " uniforms scaled to unit variance (Q.16)"));
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
        try {
            FpgaDriver driver = new FpgaDriver(t, Math.max(s.ioTimeoutMs(), 1000));
            Capabilities d = designCapabilities();
            Capabilities caps = new Capabilities(d.factorKinds(), d.operatorKinds(),
                    Math.min(d.maxUnits(), driver.maxUnits()), d.maxCouplings(),
                    Math.min(d.maxChains(), driver.maxChains()), d.numberFormat(), d.maxCouplingMagnitude(),
                    d.maxBiasMagnitude(), d.noise());
            return new FpgaSubstrate(NAME, caps, driver, s);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }
}
