package dev.tdi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outside-in path: the three template projects (templates/backend, templates/coupling-strategy,
 * templates/interface) and a broken backend are compiled outside the reactor against tdi's classes and packaged as
 * separate jars, dropped in a plug-in folder, and used through the command line: {@code backends} lists them (the
 * broken one as unavailable, with its cause) and {@code run --backend toy --coupling topk:k=2 --interface
 * table:n=4} (and {@code generate} with the same three) runs on them with a tiny model.
 */
class PluginPathEndToEndTest {
    @TempDir
    static Path dir;
    static Path plugins;
    static Path model;

    @BeforeAll
    static void buildPluginJars() throws Exception {
        Path templates = Path.of("").toAbsolutePath().getParent().resolve("templates");
        String cp = PluginJars.classPathOf(dev.tdi.substrate.SubstrateProvider.class,
                dev.tdi.coupling.CouplingStrategy.class, dev.tdi.conditioning.ConditioningInterface.class,
                com.google.inject.Module.class, jakarta.inject.Inject.class,
                com.google.common.collect.ImmutableList.class);
        plugins = Files.createDirectories(dir.resolve("plugins"));
        Path work = Files.createDirectories(dir.resolve("work"));
        for (String t : new String[] {"backend", "coupling-strategy", "interface"}) {
            Path project = templates.resolve(t);
            PluginJars.build(project.resolve("src/main/java"), project.resolve("src/main/resources"), cp, work,
                    plugins.resolve(t + ".jar"));
        }
        // a backend whose constructor fails as a driver without its native library does
        Path broken = Files.createDirectories(dir.resolve("broken/src/com/example/broken"));
        Files.writeString(broken.resolve("BrokenProvider.java"), """
                package com.example.broken;
                public final class BrokenProvider implements dev.tdi.substrate.SubstrateProvider {
                    public BrokenProvider() { throw new UnsatisfiedLinkError("no warpdrive in java.library.path"); }
                    public String name() { return "warp"; }
                    public String description() { return "never"; }
                    public dev.tdi.substrate.Capabilities capabilities() { return null; }
                    public dev.tdi.substrate.Substrate open(dev.tdi.substrate.SubstrateConfig c) { return null; }
                }
                """);
        Path services = Files.createDirectories(dir.resolve("broken/res/META-INF/services"));
        Files.writeString(services.resolve("dev.tdi.substrate.SubstrateProvider"), "com.example.broken.BrokenProvider\n");
        PluginJars.build(dir.resolve("broken/src"), dir.resolve("broken/res"), cp, work, plugins.resolve("broken.jar"));

        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[] {2, 4}, 1).withTime(8, 8);
        model = dir.resolve("model");
        UNetModel.save(UNet.create(cfg, 5), model, Map.of());
    }

    private record Result(int code, String out, String err) {
    }

    private static Result tdi(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = TdiCommand.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void backendsListsThePluginsAndTheBrokenOneWithItsCause() {
        Result r = tdi("--plugins", plugins.toString(), "backends");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("toy - template backend"), r.out());
        assertTrue(r.out().contains("reference - "), "the built-in backends keep working:\n" + r.out());
        assertTrue(r.out().contains("com.example.broken.BrokenProvider - UnsatisfiedLinkError: no warpdrive in"
                + " java.library.path"), r.out());
        assertTrue(r.out().contains("topk:k=K") && r.out().contains("[plug-in com.example.tdi.topk.TopKStrategy$Factory]"),
                r.out());
        assertTrue(r.out().contains("table:n=N") && r.out().contains("hbc") && r.out().contains("minimal"), r.out());
        assertTrue(r.out().contains("plug-in Guice modules: com.example.tdi.table.TableModule,"
                + " com.example.tdi.topk.TopKModule"), r.out());

        var json = JsonParser.parseString(tdi("backends", "--json", "--plugins", plugins.toString()).out())
                .getAsJsonObject();
        assertTrue(json.getAsJsonArray("unavailable").toString().contains("BrokenProvider"), json.toString());
        assertTrue(json.getAsJsonArray("couplingStrategies").toString().contains("\"topk\""), json.toString());
    }

    @Test
    void withoutThePluginPathThePluginsAreUnknown() {
        Result r = tdi("run", "--coupling", "topk:k=2");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown coupling strategy 'topk'"), r.err());
        Result bad = tdi("--plugins", dir.resolve("nowhere").toString(), "backends");
        assertEquals(1, bad.code()); // every error exits 1 (README "Errors and bad input")
        assertTrue(bad.err().contains("--plugins: '") && bad.err().contains("does not exist; a plug-in path entry is a"
                + " jar or a folder of jars"), bad.err());
    }

    @Test
    void runUsesThePluginBackendStrategyAndInterface() throws Exception {
        Path out = dir.resolve("run");
        Result r = tdi("--plugins", plugins.toString(), "run", "--backend", "toy", "--coupling", "topk:k=2",
                "--interface", "table:n=4", "--model", model.toString(), "--eval", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        var json = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        assertEquals("toy", json.get("backend").getAsString());
        assertEquals("topk:k=2", json.get("coupling").getAsString());
        assertEquals("table:n=4", json.get("interface").getAsString());
        assertTrue(json.get("decoder_cosine").getAsDouble() > 0.5, json.toString());
        // the sparse skip reports its own wiring: k couplings per decoder unit, not a dense operator's
        var skip = json.getAsJsonArray("coupling_report").get(0).getAsJsonObject();
        long couplings = skip.get("couplings").getAsLong();
        long dense = skip.get("dense_couplings").getAsLong();
        assertTrue(couplings < dense, skip.toString());
        assertEquals(-1, skip.get("rank").getAsInt());

        Path gen = dir.resolve("generate");
        Result g = tdi("generate", "--plugins", plugins.toString(), "--backend", "toy", "--coupling", "topk:k=2",
                "--interface", "table:n=4", "--model", model.toString(), "--steps", "2", "--samples", "2", "--out",
                gen.toString());
        assertEquals(0, g.code(), g.out() + g.err());
        assertTrue(Files.size(gen.resolve("samples.png")) > 0);
    }
}
