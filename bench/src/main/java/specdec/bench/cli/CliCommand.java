package specdec.bench.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** Gives subcommands the CLI's output stream, so tests can run them in-process. */
abstract class CliCommand {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
