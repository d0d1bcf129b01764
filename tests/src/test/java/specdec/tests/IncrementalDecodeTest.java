package specdec.tests;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.kv.ContextFullException;
import specdec.engine.kv.KvCache;
import specdec.engine.model.Logits;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache paths: one token at a time, in chunks, and after rollbacks, all equal the full forward. */
class IncrementalDecodeTest {
    private static CpuBackend backend;
    private static TransformerModel gpt2, llama;

    private static synchronized TransformerModel model(String name) {
        if (backend == null) backend = new CpuBackend(2);
        if (name.startsWith("gpt2")) {
            if (gpt2 == null) gpt2 = ModelLoader.load(TestModels.get(name, DType.F32), backend);
            return gpt2;
        }
        if (llama == null) llama = ModelLoader.load(TestModels.get(name, DType.F32), backend);
        return llama;
    }

    @AfterContainer
    static void closeAll() {
        if (gpt2 != null) gpt2.close();
        if (llama != null) llama.close();
        if (backend != null) backend.close();
        gpt2 = llama = null;
        backend = null;
    }

    private static float[][] full(TransformerModel m, int[] ids) {
        try (KvCache c = m.newCache(ids.length)) {
            Logits l = m.forward(ids, c);
            float[][] out = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) out[t] = l.row(t);
            return out;
        }
    }

    private static void assertRowClose(float[] got, float[] want, String what) {
        for (int v = 0; v < want.length; v++) {
            assertThat(got[v]).as("%s token %d", what, v).isCloseTo(want[v], org.assertj.core.data.Offset.offset(1e-5f * (1 + Math.abs(want[v]))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-rope3"})
    void oneTokenAtATimeAndChunksEqualTheFullForward(String name) {
        TransformerModel m = model(name);
        int[] ids = TestModels.randomIds(new Random(9), 60, m.vocabSize());
        float[][] want = full(m, ids);
        try (KvCache c = m.newCache(ids.length)) {
            for (int t = 0; t < ids.length; t++) {
                Logits l = m.forward(ids, t, 1, c, false);
                assertRowClose(l.row(0), want[t], "step " + t);
            }
        }
        try (KvCache c = m.newCache(ids.length)) {
            int[] chunks = {7, 1, 5, 13, 2, 32};
            int at = 0;
            for (int n : chunks) {
                Logits l = m.forward(ids, at, n, c, false);
                for (int t = 0; t < n; t++) assertRowClose(l.row(t), want[at + t], "chunk position " + (at + t));
                at += n;
            }
        }
        try (KvCache c = m.newCache(ids.length)) {
            Logits l = m.forward(ids, 0, 25, c, true);
            assertThat(l.rows()).isEqualTo(1);
            assertRowClose(l.row(0), want[24], "last-only prefill");
        }
    }

    @Property(tries = 100)
    void rollbackThenContinueEqualsRecomputing(@ForAll @IntRange(min = 1, max = 40) int prompt,
                                               @ForAll @IntRange(min = 1, max = 12) int drafted,
                                               @ForAll @IntRange(min = 0, max = 52) int rollbackTo,
                                               @ForAll @IntRange(min = 1, max = 9) int more,
                                               @ForAll boolean llamaModel,
                                               @ForAll long seed) {
        TransformerModel m = model(llamaModel ? "llama-rope3" : "gpt2-tiny");
        Random rng = new Random(seed);
        int r = Math.min(rollbackTo, prompt + drafted);
        int[] first = TestModels.randomIds(rng, prompt + drafted, m.vocabSize());
        int[] next = TestModels.randomIds(rng, more, m.vocabSize());
        try (KvCache c = m.newCache(prompt + drafted + more)) {
            m.forward(first, 0, prompt, c, false);
            m.forward(first, prompt, drafted, c, false);
            c.rollback(r);
            Logits logits = m.forward(next, c);
            float[][] got = new float[more][];
            for (int t = 0; t < more; t++) got[t] = logits.row(t); // the next forward reuses the buffer
            assertThat(c.length()).isEqualTo(r + more);
            int[] recompute = new int[r + more];
            System.arraycopy(first, 0, recompute, 0, r);
            System.arraycopy(next, 0, recompute, r, more);
            float[][] want = full(m, recompute);
            for (int t = 0; t < more; t++) assertRowClose(got[t], want[r + t], "continued position " + (r + t));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-rope3"})
    void passingTheCapacityIsAClearErrorAndLeavesTheCacheUsable(String name) {
        TransformerModel m = model(name);
        try (KvCache c = m.newCache(8)) {
            m.forward(new int[] {1, 2, 3, 4, 5, 6}, c);
            assertThatThrownBy(() -> m.forward(new int[] {1, 2, 3}, c)).isInstanceOf(ContextFullException.class)
                    .hasMessageContaining("capacity of 8");
            assertThat(c.length()).isEqualTo(6);
            assertThat(m.forward(new int[] {1, 2}, c).rows()).isEqualTo(2);
        }
        assertThatThrownBy(() -> m.newCache(m.contextLength() + 1)).hasMessageContaining("exceeds the model's context");
    }
}
