package specdec.engine.backend;

/** An activation buffer of a backend: up to {@code rows()} rows of {@code cols()} floats. */
public interface Tensor {
    int rows();

    int cols();
}
