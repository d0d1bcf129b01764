package specdec.engine.tensor;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * F16 weights in the CPU kernels' tiles (see {@link HalfTiles}), widened as {@link Tiles#widen}
 * does (finite: F16 weights are checked when they are built), and held times 2^{@link #scale}.
 *
 * <p>Why the scale: the widening puts an f16 subnormal (below 2^-14; about 0.2 % of weights of
 * standard deviation 0.02) into a subnormal float, and on some cores an arithmetic operation on
 * one takes a slow path (Intel Xeon: one input over [3072, 768], one thread, 351 µs against 187
 * with no such weights). Times 2^10, every f16 subnormal is a normal f16, exactly; a matrix
 * whose largest weight would then pass 65504 takes the largest power of two that keeps it in.
 */
public final class F16Tiles extends HalfTiles {
    private static final VectorSpecies<Short> SCAN = ShortVector.SPECIES_PREFERRED;

    private final float unscale;

    private F16Tiles(String name, MemorySegment segment, int rows, int cols, int scale) {
        super(name, segment, rows, cols, false, scale);
        this.unscale = Math.scalb(1f, -scale);
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}. */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.F16) throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not F16");
        if (w instanceof F16Tiles) return w;
        int scale = scale(w);
        return new F16Tiles(w.name(), repack(w, arena, scale), w.rows(), w.cols(), scale);
    }

    /** The largest power of two, up to 2^10, that keeps {@code w}'s largest magnitude within f16. */
    static int scale(WeightTensor w) {
        int cols = w.cols();
        MemorySegment src = w.segment();
        // the bits of a finite half without its sign order as its magnitude does
        int max = IntStream.range(0, w.rows()).parallel().map(r -> maxMagnitudeBits(src, (long) r * cols * 2, cols)).max().orElse(0);
        return Halfs.normalisingExponent(max);
    }

    private static int maxMagnitudeBits(MemorySegment src, long offset, int n) {
        int bound = SCAN.loopBound(n), i = 0;
        ShortVector m = ShortVector.zero(SCAN);
        for (; i < bound; i += SCAN.length()) {
            m = m.max(ShortVector.fromMemorySegment(SCAN, src, offset + i * 2L, ByteOrder.LITTLE_ENDIAN).and((short) 0x7fff));
        }
        int max = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, src.get(HalfTiles.LE, offset + i * 2L) & 0x7fff);
        return max;
    }

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    float toFloat(short bits) {
        return Halfs.f16ToFloat(bits) * unscale;
    }

    @Override
    HalfTiles view(String name, MemorySegment segment, int rows) {
        return new F16Tiles(name, segment, rows, cols, scale);
    }
}
