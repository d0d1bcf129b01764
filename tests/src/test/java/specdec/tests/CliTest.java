package specdec.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.bench.cli.Main;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI in-process: what users type, what they see, and what lands on disk. */
class CliTest {
    @TempDir
    Path dir;

    public record Result(int code, String out, String err) {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    public static void assertUserError(Result r, String... fragments) {
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ");
        for (String f : fragments) assertThat(r.err()).contains(f);
        assertThat(r.err()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void initModelIsDeterministicPerSeed() throws IOException {
        for (String arch : new String[] {"gpt2", "llama"}) {
            Path a = dir.resolve(arch + "-a"), b = dir.resolve(arch + "-b"), c = dir.resolve(arch + "-c");
            assertThat(run("init-model", "--arch", arch, "--preset", "tiny", "--seed", "5", "--dtype", "bf16", "--out", a.toString()).code()).isZero();
            assertThat(run("init-model", "--arch", arch, "--preset", "tiny", "--seed", "5", "--dtype", "bf16", "--out", b.toString()).code()).isZero();
            assertThat(run("init-model", "--arch", arch, "--preset", "tiny", "--seed", "6", "--dtype", "bf16", "--out", c.toString()).code()).isZero();
            byte[] wa = Files.readAllBytes(a.resolve("model.safetensors"));
            assertThat(wa).isEqualTo(Files.readAllBytes(b.resolve("model.safetensors")));
            assertThat(Files.readString(a.resolve("config.json"))).isEqualTo(Files.readString(b.resolve("config.json")));
            assertThat(Arrays.equals(wa, Files.readAllBytes(c.resolve("model.safetensors")))).isFalse();
        }
    }

    @Test
    void initModelWritesHfLayoutThatInspectLists() {
        Path m = dir.resolve("llama");
        assertThat(run("init-model", "--arch", "llama", "--preset", "tiny", "--out", m.toString()).code()).isZero();
        Result r = run("inspect", m.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("num_key_value_heads        2")
                .contains("model.layers.1.self_attn.k_proj.weight").contains("[32, 64]")
                .contains("lm_head.weight").contains("F32");
    }

    @Test
    void forwardWritesLogitsOfEveryPositionAsNpy() throws IOException {
        Path m = dir.resolve("g");
        run("init-model", "--arch", "gpt2", "--preset", "tiny", "--seed", "3", "--perturb-norms", "--out", m.toString());
        Path npy = dir.resolve("out.npy");
        Result r = run("forward", "--model", m.toString(), "--ids", "5,17,300,2", "--out", npy.toString(), "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        byte[] b = Files.readAllBytes(npy);
        int hlen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertThat(new String(b, 10, hlen)).contains("'shape': (4, 512)");
        double[][] want = new ReferenceForward(m).logits(new int[] {5, 17, 300, 2});
        ByteBuffer data = ByteBuffer.wrap(b, 10 + hlen, b.length - 10 - hlen).order(ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < 4; t++)
            for (int v = 0; v < 512; v++) {
                assertThat((double) data.getFloat()).isCloseTo(want[t][v], org.assertj.core.data.Offset.offset(1e-4 * (Math.abs(want[t][v]) + 0.01)));
            }
    }

    @Test
    void malformedWeightsFailCleanlyWithoutOutput() throws IOException {
        Path m = dir.resolve("g");
        run("init-model", "--arch", "gpt2", "--preset", "tiny", "--out", m.toString());
        Path st = m.resolve("model.safetensors");
        byte[] whole = Files.readAllBytes(st);
        Files.write(st, Arrays.copyOf(whole, whole.length - 100));
        Path npy = dir.resolve("x.npy");
        Result r = run("forward", "--model", m.toString(), "--ids", "1,2", "--out", npy.toString());
        assertUserError(r, "model.safetensors", "past the end of the data section");
        assertThat(npy).doesNotExist();

        Files.write(st, new byte[] {1, 0, 0});
        assertUserError(run("inspect", m.toString()), "model.safetensors", "shorter than the 8-byte header length");
    }

    @Test
    void nonFiniteF16WeightsAreRefusedNamingFileTensorAndPlace() throws IOException {
        Path m = dir.resolve("l16");
        run("init-model", "--arch", "llama", "--preset", "tiny", "--dtype", "f16", "--out", m.toString());
        Path st = m.resolve("model.safetensors");
        String name = "model.layers.0.mlp.up_proj.weight";
        long begin;
        try (specdec.engine.safetensors.Checkpoint ck = specdec.engine.safetensors.Checkpoint.open(m)) {
            begin = ck.info(name).begin();
        }
        byte[] whole = Files.readAllBytes(st);
        long header = ByteBuffer.wrap(whole, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int at = Math.toIntExact(8 + header + begin + 2 * 5); // row 0, column 5
        whole[at] = 0x00;
        whole[at + 1] = 0x7c; // +infinity
        Files.write(st, whole);
        assertUserError(run("forward", "--model", m.toString(), "--ids", "1,2", "--out", dir.resolve("x.npy").toString()),
                "model.safetensors", "'" + name + "'", "Infinity at [0, 5]", "must be finite");
        assertThat(dir.resolve("x.npy")).doesNotExist();
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        Path m = dir.resolve("g");
        run("init-model", "--arch", "gpt2", "--preset", "tiny", "--out", m.toString());
        Path npy = dir.resolve("x.npy");
        assertUserError(run("forward", "--model", m.toString(), "--ids", "1,x", "--out", npy.toString()), "--ids", "'x'");
        assertUserError(run("forward", "--model", m.toString(), "--ids", "1,512", "--out", npy.toString()), "token id 512", "[0, 512)");
        String tooLong = String.join(",", java.util.Collections.nCopies(129, "1"));
        assertUserError(run("forward", "--model", m.toString(), "--ids", tooLong, "--out", npy.toString()), "129 tokens", "context", "128");
        assertUserError(run("forward", "--model", dir.resolve("nothing").toString(), "--ids", "1", "--out", npy.toString()), "nothing", "no such model directory");
        assertUserError(run("init-model", "--arch", "gpt2", "--preset", "huge", "--out", npy.toString()), "no preset 'huge'");
        assertUserError(run("init-model", "--arch", "gpt2", "--dtype", "i8", "--out", npy.toString()), "i8");
        assertUserError(run("forward", "--model", m.toString(), "--ids", "1", "--out", npy.toString(), "--backend", "cuda"), "cuda", "available: cpu");
        assertThat(npy).doesNotExist();
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("init-model", "inspect", "forward", "bench-decode");
    }
}
