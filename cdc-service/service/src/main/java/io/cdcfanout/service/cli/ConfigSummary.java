package io.cdcfanout.service.cli;

import io.cdcfanout.service.config.PostgresConfig;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.config.SourceConfig;
import io.cdcfanout.sink.Secret;
import java.util.stream.Collectors;

/**
 * One line describing a configuration for the start-up banner and {@code validate}. Secrets appear only
 * as {@code ******} (set) or {@code (none)}, never their values.
 */
final class ConfigSummary {

    private ConfigSummary() {}

    static String of(ServiceConfig c) {
        SourceConfig source = c.source();
        PostgresConfig pg = source.postgres();
        return "source " + pg + " password=" + masked(pg.password()) + " ssl-mode=" + pg.sslMode()
                + (pg.sslRootCert() == null ? "" : " ssl-root-cert=" + pg.sslRootCert())
                + (source.fromKafka()
                        ? " kafka=" + source.kafka().bootstrapServers() + " topic="
                                + source.kafka().topic()
                                + " instance=" + source.kafka().instance() + " security="
                                + source.kafka().security().protocol()
                        : " slot=" + source.slot() + " publication=" + source.publication())
                + " tables=" + source.tables()
                + columns(source)
                + "; offsets in " + c.offsets().store()
                + "; http " + c.http().host() + ":" + c.http().port() + " token="
                + masked(c.http().token())
                + "; sinks "
                + c.sinks().entrySet().stream()
                        .map(e -> e.getKey() + "(" + e.getValue().type() + " "
                                + e.getValue().config().sourceTables() + ")")
                        .collect(Collectors.joining(", "));
    }

    private static String columns(SourceConfig source) {
        if (source.columns().isEmpty()) {
            return "";
        }
        return " columns={"
                + source.columns().entrySet().stream()
                        .map(e -> e.getKey() + ": exclude " + e.getValue().exclude() + " mask "
                                + e.getValue().mask())
                        .collect(Collectors.joining(", "))
                + "} mask-key=" + masked(source.maskKey());
    }

    private static String masked(Secret secret) {
        return secret.toString();
    }
}
