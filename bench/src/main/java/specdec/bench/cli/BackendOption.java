package specdec.bench.cli;

import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.engine.backend.Backend;
import specdec.engine.backend.cpu.CpuBackend;

/** The --backend and --threads options shared by commands that run a model. */
public final class BackendOption {
    @Option(names = "--backend", defaultValue = "cpu", description = "Compute backend: cpu (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    public Backend create() {
        if (!backend.equals("cpu")) {
            throw new SpecdecException("backend '" + backend + "' is not available in this build (available: cpu)");
        }
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) throw new SpecdecException("--threads must be at least 1, got " + n);
        return new CpuBackend(n);
    }
}
