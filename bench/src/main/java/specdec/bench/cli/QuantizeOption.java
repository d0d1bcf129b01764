package specdec.bench.cli;

import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;

/** --quantize and --dtype: the format a model's matrices are converted to at load. */
public final class QuantizeOption {
    @Option(names = "--quantize", description = "Quantise the model's matrices at load: q8_0 or q4_0 (llama.cpp's block formats; default: as stored).")
    String quantize;

    @Option(names = "--dtype", description = "Convert the model's matrices at load to f32, f16 or bf16 (default: as stored).")
    String dtype;

    /** The format, or null for the weights as stored. */
    DType format() {
        if (quantize != null && dtype != null) throw new SpecdecException("give --quantize or --dtype, not both");
        if (quantize != null) return DType.parseQuantization(quantize);
        return dtype == null ? null : DType.parseWeightType(dtype);
    }
}
