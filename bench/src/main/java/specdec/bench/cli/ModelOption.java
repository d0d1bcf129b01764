package specdec.bench.cli;

import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.models.hub.ModelRef;

import java.nio.file.Path;

/** --model (a directory or a Hugging Face id) and --revision, shared by the commands that load a model. */
public final class ModelOption {
    @Option(names = "--model", description = "Model: a directory, or a Hugging Face id (cached, else downloaded).")
    String model;

    @Option(names = "--revision", description = "Hub branch, tag or commit for a hub id (default: main; also ID@REV).")
    String revision;

    boolean given() {
        return model != null;
    }

    Path resolve() {
        if (model == null) throw new SpecdecException("give --model DIR or a Hugging Face id");
        return ModelRef.resolve(revision == null ? model : model + "@" + revision);
    }
}
