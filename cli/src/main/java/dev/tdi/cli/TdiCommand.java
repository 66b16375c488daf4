package dev.tdi.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tdi} command line. Each subcommand is one class; register new ones in {@code subcommands} below.
 * Errors a user can fix are printed as one clear message (set TDI_DEBUG=1 for the stack trace).
 */
@Command(name = "tdi", mixinStandardHelpOptions = true, versionProvider = TdiCommand.Version.class,
        description = "Thermodynamic diffusion inference: run a denoising U-Net by relaxing an equilibrating substrate.",
        subcommands = {
            BackendsCommand.class,
            dev.tdi.cli.inference.RunCommand.class,
            dev.tdi.cli.inference.ReproduceCommand.class,
            dev.tdi.cli.inference.GenerateCommand.class,
            dev.tdi.cli.bench.BenchCommand.class,
            dev.tdi.cli.fpga.FpgaEmulatorCommand.class,
            dev.tdi.cli.unet.TrainCommand.class,
            dev.tdi.cli.unet.TrainClassifierCommand.class,
            dev.tdi.cli.unet.SampleCommand.class,
            dev.tdi.cli.unet.UNetForwardCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TdiCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line and returns its exit code. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new TdiCommand());
        cl.setExecutionExceptionHandler(TdiCommand::handle);
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (System.getenv("TDI_DEBUG") != null) {
            e.printStackTrace(cl.getErr());
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cl.getErr().println("tdi " + cl.getCommandName() + ": error: " + message);
        if (System.getenv("TDI_DEBUG") == null && !(e instanceof dev.tdi.substrate.SubstrateException)
                && !(e instanceof java.io.IOException) && !(e instanceof IllegalArgumentException)) {
            cl.getErr().println("(" + e.getClass().getName() + "; set TDI_DEBUG=1 for the stack trace)");
        }
        return 1;
    }

    /** The version from the jar manifest, or "dev". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TdiCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tdi " + (v == null ? "dev" : v) + " on Java " + Runtime.version()};
        }
    }
}
