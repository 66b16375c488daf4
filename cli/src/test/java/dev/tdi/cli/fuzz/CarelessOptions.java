package dev.tdi.cli.fuzz;

import dev.tdi.cli.validation.Range;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Careless command-line values: every {@link Range}d option of every command just outside its range, non-finite or
 * not a number, the named values of issue 14, and output or input paths of the wrong kind; part of {@link
 * MalformedInputs}.
 */
final class CarelessOptions {
    private static final Path FIXTURE = MalformedInputs.FIXTURE;
    private final MalformedInputs corpus;

    CarelessOptions(MalformedInputs corpus) {
        this.corpus = corpus;
    }

    /** Adds this kind's cases to the corpus. */
    void generate() throws IOException {
        options();
        outputPaths();
    }

    // ------------------------------------------------------------------------------------------------ options

    /** The base command line of each command, valid as it is, that a careless option is added to. */
    private Map<Class<?>, List<String>> bases() throws IOException {
        Map<Class<?>, List<String>> b = new LinkedHashMap<>();
        Path o = corpus.dir.resolve("opt-out");
        b.put(dev.tdi.cli.inference.RunCommand.class, List.of("run", "--out", o.toString()));
        b.put(dev.tdi.cli.inference.GenerateCommand.class, List.of("generate", "--out", o.toString()));
        b.put(dev.tdi.cli.inference.ReproduceCommand.class, List.of("reproduce", "--out", o.toString()));
        b.put(dev.tdi.cli.unet.SampleCommand.class, List.of("sample", "--out", o.toString(), "-n", "1"));
        b.put(dev.tdi.cli.unet.TrainCommand.class, List.of("train", "--config", corpus.trainConfig().toString(),
                "--data", corpus.dataDir().toString(), "--out",
                corpus.dir.resolve("opt-train").toString(), "--epochs", "1", "--limit", "8", "--eval-images", "0"));
        b.put(dev.tdi.cli.fpga.FpgaEmulatorCommand.class, List.of("fpga-emulator", "--port", "0", "--duration-s",
                "1"));
        return b;
    }

    /**
     * Every {@link Range}d option of every command, given values just outside its range, non-finite ones (for
     * numbers) and non-numbers; plus the named careless values of issue 14.
     */
    private void options() throws IOException {
        for (Map.Entry<Class<?>, List<String>> e : bases().entrySet()) {
            for (Field f : fields(e.getKey())) {
                Range r = f.getAnnotation(Range.class);
                Option o = f.getAnnotation(Option.class);
                if (r == null || o == null) {
                    continue;
                }
                String name = longName(o);
                boolean integral = dev.tdi.cli.validation.OptionChecks.integral(f.getType());
                List<String> values = new ArrayList<>();
                if (integral) {
                    if (r.min() > Long.MIN_VALUE) {
                        values.add(Long.toString((long) r.min() - 1));
                    }
                    if (r.max() < Long.MAX_VALUE) {
                        values.add(Long.toString((long) r.max() + 1));
                    }
                    values.add("abc");
                    if (corpus.full) {
                        values.add("1.5");
                        values.add("");
                        values.add("99999999999999999999");
                        values.add("-99999999999999999999");
                    }
                } else {
                    values.add(r.minExclusive() ? fmt(r.min()) : fmt(Math.nextDown(r.min()) - Math.ulp(r.min()) * 4
                            - 1e-9));
                    values.add(r.maxExclusive() ? fmt(r.max()) : fmt(r.max() * 2 + 1));
                    values.add("NaN");
                    if (corpus.full) {
                        values.add("Infinity");
                        values.add("-Infinity");
                        values.add("1e308");
                        values.add("abc");
                        values.add("");
                    }
                }
                for (String v : values) {
                    List<String> args = withOption(e.getValue(), name, v);
                    corpus.add("option", String.join(" ", args.subList(0, 1)) + " " + name + " " + v, name,
                            args.toArray(new String[0]));
                }
            }
        }
        String out = corpus.dir.resolve("named").toString();
        corpus.add("option", "sample -n -1", "-n", "sample", "-n", "-1", "--out", out);
        corpus.add("option", "sample -n 0", "-n", "sample", "-n", "0", "--out", out);
        corpus.add("option", "sample -n 1000000000", "-n", "sample", "-n", "1000000000", "--out", out);
        corpus.add("option", "sample --cols 0", "--cols", "sample", "--cols", "0", "--out", out);
        corpus.add("option", "sample --steps 0", "--steps", "sample", "--steps", "0", "--out", out);
        corpus.add("option", "sample --steps 5000 (past the model's T)", "--steps", "sample", "--steps", "5000", "-n",
                "1", "--out", out);
        corpus.add("option", "sample --sampler euler", "--sampler", "sample", "--sampler", "euler", "--out", out);
        corpus.add("option", "generate --steps 1000000000", "--steps", "generate", "--steps", "1000000000",
                "--out", out);
        corpus.add("option", "run --temperature 1e308", "--temperature", "run", "--temperature", "1e308", "--out", out);
        corpus.add("option", "run --coupling ''", "--coupling", "run", "--coupling", "", "--out", out);
        corpus.add("option", "run --interface ''", "--interface", "run", "--interface", "", "--out", out);
        corpus.add("option", "run --backend ''", "--backend", "run", "--backend", "", "--out", out);
        corpus.add("option", "reproduce --ranks 4,0", "--ranks", "reproduce", "--ranks", "4,0", "--out", out);
        corpus.add("option", "reproduce --temperatures 1,NaN", "--temperatures", "reproduce", "--temperatures", "1,NaN",
                "--out", out);
        List<String> train = bases().get(dev.tdi.cli.unet.TrainCommand.class);
        for (String[] c : new String[][]{{"--ema", "2"}, {"--ema", "-1"}, {"--clip", "-1"}, {"--limit", "-1"},
            {"--threads", "-1"}, {"--warmup", "-1"}, {"--eval-images", "-1"}, {"--max-minutes", "-1"},
            {"--checkpoint-every", "0"}, {"--checkpoint-every", "-5"}, {"--batch", "6"}, {"--channels", "4,0"},
            {"--channels", "1,1,1,1,1,1,1,1,1"}, {"--blocks", "1000000000"}}) {
            List<String> args = withOption(train, c[0], c[1]);
            corpus.add("option", "train " + String.join(" ", c), c[0], args.toArray(new String[0]));
        }
        corpus.add("option", "unknown option", "--frobnicate", "run", "--frobnicate");
        corpus.add("option", "unknown command", "frobnicate", "frobnicate");
        corpus.add("option", "fpga-emulator --memory-mb past the heap", "--memory-mb", "fpga-emulator", "--memory-mb",
                "65536", "--duration-s", "1", "--port", "0");
    }

    // ------------------------------------------------------------------------------------------------ paths

    private void outputPaths() throws IOException {
        Path aFile = corpus.dir.resolve("a-file.txt");
        Files.writeString(aFile, "the user's notes");
        String unwritable = "/proc/tdi-unwritable/out";
        for (String cmd : new String[]{"run", "reproduce", "generate", "sample", "bench"}) {
            corpus.add("output path", cmd + " --out <a file>", "--out", cmd, "--out", aFile.toString());
            corpus.add("output path", cmd + " --out <unwritable>", "--out", cmd, "--out", unwritable);
        }
        List<String> train = new ArrayList<>(bases().get(dev.tdi.cli.unet.TrainCommand.class));
        train.set(train.indexOf("--out") + 1, aFile.toString());
        corpus.add("output path", "train --out <a file>", "--out", train.toArray(new String[0]));
        corpus.add("output path", "unet-forward --out <a directory>", "--out", "unet-forward", "--config",
                FIXTURE.resolve("config.json").toString(), "--weights", FIXTURE.resolve("model.safetensors")
                        .toString(), "--input", FIXTURE.resolve("input.safetensors").toString(), "--out",
                corpus.dir.toString());
        corpus.add("output path", "unet-forward --out <unwritable>", "--out", "unet-forward", "--config",
                FIXTURE.resolve("config.json").toString(), "--weights", FIXTURE.resolve("model.safetensors")
                        .toString(), "--input", FIXTURE.resolve("input.safetensors").toString(), "--out",
                unwritable);
        corpus.add("output path", "run --out ''", "--out", "run", "--out", "");
        corpus.add("input path", "sample --model ''", "--model", "sample", "--model", "");
        corpus.add("input path", "run --model <a file>", "--model", "run", "--model", aFile.toString());
        corpus.add("input path", "sample --model <a directory without a model>", "--model", "sample", "--model",
                corpus.dir.resolve("data-ok").toString());
        corpus.add("input path", "train --data <missing>", "--data", "train", "--data",
                corpus.dir.resolve("nope").toString(),
                "--out", corpus.dir.resolve("x").toString());
        corpus.add("input path", "train --config <a directory>", "--config", "train", "--config",
                corpus.dir.toString(), "--out",
                corpus.dir.resolve("x").toString());
        corpus.add("input path", "fpga-emulator --mmap <a directory>", "--mmap", "fpga-emulator", "--mmap",
                corpus.dir.toString(), "--duration-s", "1");
        corpus.add("input path", "fpga-emulator --mmap <the user's file>", "--mmap", "fpga-emulator", "--mmap",
                aFile.toString(), "--duration-s", "1");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The base with the option set to a value (replaced if the base has it: a repeated option fails otherwise). */
    private static List<String> withOption(List<String> base, String name, String value) {
        List<String> args = new ArrayList<>(base);
        int at = args.indexOf(name);
        if (at >= 0) {
            args.set(at + 1, value);
        } else {
            args.add(name);
            args.add(value);
        }
        return args;
    }

    private static List<Field> fields(Class<?> c) {
        List<Field> fs = new ArrayList<>(Arrays.asList(c.getDeclaredFields()));
        for (Field f : c.getDeclaredFields()) {
            if (f.getAnnotation(picocli.CommandLine.Mixin.class) != null) {
                fs.addAll(Arrays.asList(f.getType().getDeclaredFields()));
            }
        }
        return fs;
    }

    private static String longName(Option o) {
        for (String n : o.names()) {
            if (n.startsWith("--")) {
                return n;
            }
        }
        return o.names()[0];
    }

    private static String fmt(double v) {
        return Double.toString(v);
    }
}
