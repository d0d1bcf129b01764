package specdec.engine.tensor;

import org.junit.jupiter.api.Test;
import specdec.engine.TestWeights;

import java.lang.foreign.Arena;

import static org.assertj.core.api.Assertions.assertThat;

class TransposeTest {
    @Test
    void transposesEveryDtypeAcrossBlockEdges() {
        float[] v = TestWeights.gaussian(new java.util.Random(1), 70 * 130, 1);
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            WeightTensor w = TestWeights.of(d, 70, 130, v);
            WeightTensor t = Transpose.of(w, Arena.ofAuto());
            assertThat(t.rows()).isEqualTo(130);
            assertThat(t.cols()).isEqualTo(70);
            for (int r = 0; r < 70; r++) {
                for (int c = 0; c < 130; c++) assertThat(t.get((long) c * 70 + r)).isEqualTo(w.get((long) r * 130 + c));
            }
        }
    }

    @Test
    void rowSliceViewsTheSameBytes() {
        float[] v = TestWeights.gaussian(new java.util.Random(2), 6 * 8, 1);
        WeightTensor w = TestWeights.of(DType.BF16, 6, 8, v);
        WeightTensor s = w.rowSlice(2, 3);
        assertThat(s.rows()).isEqualTo(3);
        for (int i = 0; i < 24; i++) assertThat(s.get(i)).isEqualTo(w.get(16 + i));
    }
}
