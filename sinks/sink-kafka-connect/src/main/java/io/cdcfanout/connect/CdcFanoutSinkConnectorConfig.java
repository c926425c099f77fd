package io.cdcfanout.connect;

import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.SourceDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The connector's own keys ({@link #CONFIG_DEF}) and their validated values. The sinks themselves are
 * configured as in the service: {@value #SINKS} holds the YAML {@code sinks:} block ({@link SinksYaml}).
 *
 * @param connectorName the connector's {@code name}; the TRUNCATE log is kept per connector
 * @param sinks         each configured sink by name
 * @param source        the captured Postgres (the scd2 sink reads key columns there; the TRUNCATE log lives there)
 * @param stateSchema   the schema of the connector's own table in {@code source}
 * @param maxBackoff    the longest wait before a put is retried after a transient failure
 */
public record CdcFanoutSinkConnectorConfig(
        String connectorName,
        Map<String, BoundSink<?>> sinks,
        SourceDatabase source,
        String stateSchema,
        Duration maxBackoff) {

    public static final String SINKS = "cdc.sinks";
    public static final String SOURCE_JDBC_URL = "cdc.source.jdbc.url";
    public static final String SOURCE_USER = "cdc.source.user";
    public static final String SOURCE_PASSWORD = "cdc.source.password";
    public static final String STATE_SCHEMA = "cdc.state.schema";
    public static final String RETRY_BACKOFF_MAX_MS = "cdc.retry.backoff.max.ms";

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(
                    SINKS,
                    ConfigDef.Type.STRING,
                    ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.Importance.HIGH,
                    "The sinks, as the YAML `sinks:` block of the service's configuration file (the `sinks:` line"
                            + " itself optional; flow style fits one line): a mapping from sink name to its settings."
                            + " Types: elasticsearch, scd2. Keep secrets out of it: use a Connect config provider"
                            + " (${file:...}).")
            .define(
                    SOURCE_JDBC_URL,
                    ConfigDef.Type.STRING,
                    ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.Importance.HIGH,
                    "JDBC URL of the captured Postgres, e.g. jdbc:postgresql://pg:5432/shop. The scd2 sink reads the"
                            + " tables' key columns there (and keeps history there unless it names its own jdbc-url);"
                            + " the connector keeps its TRUNCATE log there, in " + STATE_SCHEMA + ".")
            .define(
                    SOURCE_USER,
                    ConfigDef.Type.STRING,
                    ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.Importance.HIGH,
                    "User for " + SOURCE_JDBC_URL)
            .define(
                    SOURCE_PASSWORD,
                    ConfigDef.Type.PASSWORD,
                    "",
                    ConfigDef.Importance.HIGH,
                    "Password for " + SOURCE_USER)
            .define(
                    STATE_SCHEMA,
                    ConfigDef.Type.STRING,
                    "cdc_fanout",
                    ConfigDef.Importance.LOW,
                    "Schema of the connector's own table sink_truncates in the source database (created if absent;"
                            + " never captured).")
            .define(
                    RETRY_BACKOFF_MAX_MS,
                    ConfigDef.Type.LONG,
                    10_000L,
                    ConfigDef.Range.atLeast(100),
                    ConfigDef.Importance.LOW,
                    "Longest wait, in milliseconds, before Connect redelivers a batch a sink could not apply for a"
                            + " transient reason (the wait doubles from 100 ms up to this, with jitter).");

    public CdcFanoutSinkConnectorConfig {
        Objects.requireNonNull(connectorName, "connectorName");
        sinks = Map.copyOf(sinks);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(stateSchema, "stateSchema");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
    }

    /**
     * Validates the connector's properties.
     *
     * @throws ConfigException naming the key and what to write
     */
    public static CdcFanoutSinkConnectorConfig parse(Map<String, String> props, SinkRegistry registry) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, props, false);
        String url = config.getString(SOURCE_JDBC_URL).trim();
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException(SOURCE_JDBC_URL + ": expected a Postgres JDBC URL such as"
                    + " jdbc:postgresql://host:5432/database, not '" + url + "'");
        }
        String schema = config.getString(STATE_SCHEMA);
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new ConfigException(STATE_SCHEMA + ": '" + schema + "' is not a plain lower-case Postgres identifier"
                    + " (letters, digits, _), e.g. cdc_fanout");
        }
        Map<String, BoundSink<?>> sinks = new SinksYaml(registry).parse(config.getString(SINKS));
        Password password = config.getPassword(SOURCE_PASSWORD);
        String name = props.getOrDefault("name", "cdc-fanout-sink");
        return new CdcFanoutSinkConnectorConfig(
                name,
                sinks,
                new SourceDatabase(url, config.getString(SOURCE_USER), Secret.of(password.value()), null),
                schema,
                Duration.ofMillis(config.getLong(RETRY_BACKOFF_MAX_MS)));
    }
}
