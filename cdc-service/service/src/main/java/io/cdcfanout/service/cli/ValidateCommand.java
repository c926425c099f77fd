package io.cdcfanout.service.cli;

import io.cdcfanout.service.config.ConfigException;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Checks a configuration file without connecting to anything. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description =
                "Check a configuration file (syntax, keys, types, values, ${ENV} references) without starting anything. "
                        + "Exit code 0 when valid, 2 when not.")
final class ValidateCommand implements Callable<Integer> {

    @Option(
            names = {"-c", "--config"},
            required = true,
            paramLabel = "FILE",
            description = "the YAML configuration file")
    Path config;

    @Override
    public Integer call() {
        try {
            ServiceConfig parsed = ConfigLoader.withSystemEnvironment().load(config);
            System.out.println(config + ": valid. " + ConfigSummary.of(parsed));
            return 0;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
    }
}
