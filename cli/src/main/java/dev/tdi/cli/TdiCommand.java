package dev.tdi.cli;

import dev.tdi.cli.validation.ErrorMessages;
import dev.tdi.cli.validation.OptionChecks;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tdi} command line. Each subcommand is one class; register new ones in {@code subcommands} below.
 * Errors a user can fix are printed as one clear message (set TDI_DEBUG=1 for the stack trace). Before any command
 * runs, the jars on the plug-in path ({@link PluginPath}: {@code --plugins}, {@code TDI_PLUGINS}, the installation's
 * {@code plugins/} folder) are loaded, so their backends, coupling strategies and interfaces are found everywhere.
 */
@Command(name = "tdi", mixinStandardHelpOptions = true, versionProvider = TdiCommand.Version.class,
        description = "Thermodynamic diffusion inference: run a denoising U-Net by relaxing an equilibrating substrate.",
        subcommands = {
            BackendsCommand.class,
            dev.tdi.cli.inference.RunCommand.class,
            dev.tdi.cli.inference.ReproduceCommand.class,
            dev.tdi.cli.inference.GenerateCommand.class,
            dev.tdi.cli.inference.RelaxationStudyCommand.class,
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

    // Read before parsing (PluginPath.optionValues) so that plug-ins are loaded before anything is looked up;
    // declared here for --help and so that picocli accepts it before or after the command name.
    @CommandLine.Option(names = "--plugins", paramLabel = "PATH", scope = CommandLine.ScopeType.INHERIT,
            description = "plug-in jars, or folders of jars, to load (repeatable, path-separated; also TDI_PLUGINS"
                    + " and the installation's plugins/ folder)")
    List<String> plugins;

    private static volatile PluginPath active = PluginPath.resolve(List.of(), null, null, null);

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line with the plug-in path loaded and returns its exit code. */
    public static int execute(String... args) {
        PluginPath path;
        try {
            path = PluginPath.resolve(PluginPath.optionValues(args));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("tdi: error: " + e.getMessage());
            return 1;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (java.net.URLClassLoader loader = path.loader(TdiCommand.class.getClassLoader())) {
            thread.setContextClassLoader(loader);
            active = path;
            return run(new CommandLine(new TdiCommand()), "tdi", args);
        } catch (java.io.IOException e) {
            System.err.println("tdi: error: closing the plug-in loader: " + e.getMessage());
            return 1;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * Runs a command line with tdi's error policy (README "Errors and bad input"): every option is validated
     * before the command starts ({@link OptionChecks}), and every error, a bad option or a failure of the command,
     * is one line on stderr, {@code <tool> <command>: error: <message>}, with exit code 1;
     * TDI_DEBUG=1 adds the stack trace.
     */
    public static int run(CommandLine cl, String tool, String... args) {
        cl.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) {
                return help;
            }
            OptionChecks.validate(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler(TdiCommand::usageError);
        cl.setExecutionExceptionHandler(TdiCommand::handle);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) { // picocli passes Errors through
            if (System.getenv("TDI_DEBUG") != null) {
                e.printStackTrace();
            }
            cl.getErr().println(tool + ": error: " + ErrorMessages.oneLine(e));
            cl.getErr().flush();
            return 1;
        }
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        if (System.getenv("TDI_DEBUG") != null) {
            e.printStackTrace(cl.getErr());
        }
        String name = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(name + ": error: " + ErrorMessages.oneLine(e) + " (see " + name + " --help)");
        cl.getErr().flush();
        return 1;
    }

    /** The plug-in path of the running command. */
    public static PluginPath pluginPath() {
        return active;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (System.getenv("TDI_DEBUG") != null) {
            e.printStackTrace(cl.getErr());
        }
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": error: " + ErrorMessages.oneLine(e));
        cl.getErr().flush();
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
