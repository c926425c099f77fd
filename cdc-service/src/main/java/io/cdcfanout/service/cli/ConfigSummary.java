package io.cdcfanout.service.cli;

import io.cdcfanout.service.config.ServiceConfig;
import java.util.stream.Collectors;

/** One line describing a configuration, secrets left out. */
final class ConfigSummary {

    private ConfigSummary() {
    }

    static String of(ServiceConfig c) {
        return "source " + c.source().postgres() + " slot=" + c.source().slot() + " publication=" + c.source().publication()
                + " tables=" + c.source().tables() + "; offsets in " + c.offsets().store()
                + "; http " + c.http().host() + ":" + c.http().port() + (c.http().token().isEmpty() ? "" : " (token required)")
                + "; sinks " + c.sinks().entrySet().stream()
                .map(e -> e.getKey() + "(" + e.getValue().getClass().getSimpleName().replace("SinkConfig", "").toLowerCase()
                        + " " + e.getValue().sourceTables() + ")")
                .collect(Collectors.joining(", "));
    }
}
