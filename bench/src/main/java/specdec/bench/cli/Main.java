package specdec.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import specdec.engine.SpecdecException;

import java.io.PrintWriter;

/** The {@code specdec} command line. */
@Command(name = "specdec", mixinStandardHelpOptions = true, version = "specdec 0.1.0",
        description = "A Java inference engine for studying speculative decoding.",
        subcommands = {GenerateCommand.class, DownloadCommand.class, PairsCommand.class, TokenizeCommand.class, DetokenizeCommand.class, ConvertVocabCommand.class, OllamaCommand.class, JmhCommand.class, InitModelCommand.class, InspectCommand.class, ForwardCommand.class, BenchDecodeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--offline", scope = CommandLine.ScopeType.INHERIT,
            description = "Never use the network: hub ids must already be in the Hugging Face cache (also HF_HUB_OFFLINE=1).")
    void offline(boolean value) {
        specdec.models.hub.ModelRef.setOffline(value);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static {
        // DJL logs its platform probing at INFO/WARN; a CLI user only needs errors.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof SpecdecException) {
                err.println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (" + e.getMessage() + "); raise -Xmx through SPECDEC_JAVA_OPTS or use a smaller model");
            return 3;
        }
    }
}
