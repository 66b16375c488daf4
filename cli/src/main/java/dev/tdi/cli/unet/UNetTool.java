package dev.tdi.cli.unet;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A stand-alone entry point for the U-Net commands ({@code train}, {@code sample}, {@code unet-forward}), for
 * running them from the tdi-cli jar without the root command, e.g. on a machine with only a Java runtime:
 * {@code java -cp 'tdi-cli.jar:lib/*' dev.tdi.cli.unet.UNetTool train ...}.
 */
@Command(name = "tdi-unet", mixinStandardHelpOptions = true,
        subcommands = {TrainCommand.class, SampleCommand.class, UNetForwardCommand.class},
        description = "The U-Net commands of tdi.")
public final class UNetTool implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs a U-Net command. */
    public static void main(String[] args) {
        System.exit(dev.tdi.cli.TdiCommand.run(new CommandLine(new UNetTool()), "tdi-unet", args));
    }
}
