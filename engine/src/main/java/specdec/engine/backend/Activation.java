package specdec.engine.backend;

import specdec.engine.SpecdecException;

/** Pointwise activations used by the MLPs, named as Hugging Face configs name them. */
public enum Activation {
    /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): gelu_new, gelu_pytorch_tanh, gelu_fast. */
    GELU_TANH,
    /** x Phi(x) with the exact error function: gelu. */
    GELU_ERF,
    /** max(0, x). */
    RELU,
    /** x sigmoid(x): silu, swish. */
    SILU;

    public static Activation fromHf(String name, String where) {
        return switch (name) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "gelu" -> GELU_ERF;
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            default -> throw new SpecdecException(where + ": unsupported activation '" + name
                    + "' (supported: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu, silu)");
        };
    }
}
