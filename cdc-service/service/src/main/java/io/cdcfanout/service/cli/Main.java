package io.cdcfanout.service.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar cdc-service.jar <command>}: the entry point. */
@Command(
        name = "cdc-fanout",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Streams Postgres changes (logical decoding, pgoutput) in commit order to derived systems:",
            "an Elasticsearch index, an in-process cache and an SCD2 history table.",
            "",
            "Start with:  validate --config cdc-fanout.yml   then   run --config cdc-fanout.yml",
            "Check on it: status --url http://127.0.0.1:8080"
        },
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            StatusCommand.class,
            RebuildCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
