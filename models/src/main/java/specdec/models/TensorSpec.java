package specdec.models;

/**
 * A tensor an architecture expects in its checkpoint: HF name, shape as stored, and how
 * {@code init-model} initialises it.
 */
public record TensorSpec(String name, long[] shape, Init init) {

    /** How a fresh model fills the tensor, following each model's own initialisation. */
    public sealed interface Init {}

    public record Normal(double std) implements Init {}

    public record Constant(float value) implements Init {}

    public static TensorSpec normal(String name, double std, long... shape) {
        return new TensorSpec(name, shape, new Normal(std));
    }

    public static TensorSpec ones(String name, long... shape) {
        return new TensorSpec(name, shape, new Constant(1f));
    }

    public static TensorSpec zeros(String name, long... shape) {
        return new TensorSpec(name, shape, new Constant(0f));
    }
}
