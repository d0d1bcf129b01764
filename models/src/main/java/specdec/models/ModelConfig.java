package specdec.models;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/** What every architecture's config.json tells the runtime. */
public interface ModelConfig {
    String architecture();

    int vocabSize();

    int contextLength();

    int layers();

    /** End-of-sequence ids from config.json (generation_config.json may override them). */
    int[] eosTokenIds();

    /** Key/value width per position: kv heads x head dim. */
    int kvDim();

    /** Width of one attention head. */
    int headDim();

    /** The tensors the checkpoint must hold, names and shapes exactly as HF stores them. */
    List<TensorSpec> tensors();

    /** The config as HF writes it, for {@code init-model}. */
    ObjectNode toJson();

    /** Field/value pairs for {@code inspect}. */
    Map<String, Object> summary();
}
