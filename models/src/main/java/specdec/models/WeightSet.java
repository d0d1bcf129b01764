package specdec.models;

import specdec.engine.SpecdecException;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.safetensors.TensorInfo;
import specdec.engine.tensor.WeightTensor;

import java.util.Arrays;

/**
 * Fetches the weights an architecture expects from a checkpoint, checking presence, dtype and
 * shape against config.json, with errors naming the file and the tensor.
 */
public final class WeightSet {
    private final Checkpoint checkpoint;
    private final String configFile;

    public WeightSet(Checkpoint checkpoint, String configFile) {
        this.checkpoint = checkpoint;
        this.configFile = configFile;
    }

    public boolean has(String name) {
        return checkpoint.contains(name);
    }

    /** The tensor named by {@code spec}, viewed as [rows, cols] (vectors: one row). */
    public WeightTensor get(TensorSpec spec) {
        String name = spec.name();
        if (!checkpoint.contains(name)) {
            throw new SpecdecException(checkpoint.describeFiles() + ": missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(spec.shape()) + " from " + configFile + ")");
        }
        TensorInfo info = checkpoint.info(name);
        String file = checkpoint.fileOf(name).toString();
        if (!Arrays.equals(info.shape(), spec.shape())) {
            throw new SpecdecException(file + ": tensor '" + name + "' has shape " + info.shapeString()
                    + " but " + configFile + " implies " + Arrays.toString(spec.shape()));
        }
        if (!info.dtype().isWeightType()) {
            throw new SpecdecException(file + ": tensor '" + name + "' has dtype " + info.dtype()
                    + "; model weights must be F32, F16 or BF16");
        }
        long[] s = spec.shape();
        int rows = s.length == 2 ? Math.toIntExact(s[0]) : 1;
        int cols = Math.toIntExact(s[s.length - 1]);
        try {
            return WeightTensor.of(name, info.dtype(), checkpoint.bytes(name), rows, cols);
        } catch (SpecdecException e) { // values the kernels cannot take (non-finite f16)
            throw new SpecdecException(file + ": " + e.getMessage());
        }
    }
}
