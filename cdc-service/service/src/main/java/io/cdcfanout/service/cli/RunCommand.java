package io.cdcfanout.service.cli;

import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.config.ConfigException;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.engine.StartupException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the sidecar until SIGTERM/SIGINT. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run the sidecar: snapshot on first start, then stream changes to every configured sink.",
            "Stops gracefully on SIGTERM or Ctrl-C (the batch in hand is finished and its offsets committed).",
            "Exit code 0 after a clean stop, 2 for a bad configuration, 3 when the source is not usable, 1 on failure."
        })
final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(
            names = {"-c", "--config"},
            required = true,
            paramLabel = "FILE",
            description = "the YAML configuration file")
    Path config;

    @Option(
            names = "--log-format",
            paramLabel = "FORMAT",
            defaultValue = "${env:CDC_LOG_FORMAT:-text}",
            description =
                    "text or json (one JSON object per line); default: the environment variable CDC_LOG_FORMAT, else text")
    LogFormat logFormat;

    @Option(
            names = "--resnapshot",
            description = {
                "Recover from changes lost to the sidecar (a dropped or invalidated slot, lost offsets): drop the slot"
                        + " and the offsets, stream from a fresh slot, and rebuild every sink from the tables while the"
                        + " stream flows (search: new indexes swapped in when complete; history: reconciled; cache:"
                        + " reloaded). Once; later starts resume normally."
            })
    boolean resnapshot;

    @Override
    public Integer call() {
        logFormat.activate();
        ServiceConfig parsed;
        try {
            parsed = ConfigLoader.withSystemEnvironment().load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        LOG.info("cdc-fanout {} starting: {}", VersionProvider.version(), ConfigSummary.of(parsed));
        CdcService service;
        try {
            service = CdcService.start(parsed, resnapshot);
        } catch (StartupException e) {
            LOG.error("{}", e.getMessage());
            return 3;
        } catch (InterruptedException e) {
            return 1;
        }
        Thread hook = new Thread(
                () -> {
                    LOG.info("stopping");
                    service.close();
                },
                "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.awaitTermination();
            return 0;
        } catch (Exception e) {
            LOG.error("stopped with an error: {}", e.toString());
            return 1;
        }
    }
}
