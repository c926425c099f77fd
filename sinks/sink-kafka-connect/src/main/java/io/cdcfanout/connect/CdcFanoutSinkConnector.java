package io.cdcfanout.connect;

import io.cdcfanout.sink.SinkRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * The cdc-fanout sinks (Elasticsearch, SCD2 history) as a Kafka Connect sink connector, fed the topics of
 * Debezium's Postgres connector (JsonConverter with {@code schemas.enable=true}, keyed by primary key).
 *
 * <p>{@link #start(Map)} and {@link #validate(Map)} check the whole configuration, including the YAML of
 * {@value CdcFanoutSinkConnectorConfig#SINKS}, so a bad configuration is refused when the connector is created,
 * with errors that name the key. Every task gets the same configuration; Connect spreads the partitions over them.
 */
public final class CdcFanoutSinkConnector extends SinkConnector {

    static final String VERSION = versionOf();

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        CdcFanoutSinkConnectorConfig.parse(props, SinkRegistry.load()); // throws ConfigException naming the key
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CdcFanoutSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
        // the connector holds nothing; the tasks hold the connections
    }

    @Override
    public ConfigDef config() {
        return CdcFanoutSinkConnectorConfig.CONFIG_DEF;
    }

    /** Connect's per-key checks, plus the checks that need the whole configuration, reported on their key. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        boolean keysValid =
                config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (keysValid) {
            try {
                CdcFanoutSinkConnectorConfig.parse(connectorConfigs, SinkRegistry.load());
            } catch (ConfigException e) {
                String key = keyOf(e.getMessage());
                for (ConfigValue value : config.configValues()) {
                    if (value.name().equals(key)) {
                        value.addErrorMessage(e.getMessage());
                    }
                }
            }
        }
        return config;
    }

    private static String keyOf(String message) {
        for (String key : CdcFanoutSinkConnectorConfig.CONFIG_DEF.names()) {
            if (message.startsWith(key + ":")) {
                return key;
            }
        }
        return CdcFanoutSinkConnectorConfig.SINKS;
    }

    @Override
    public String version() {
        return VERSION;
    }

    private static String versionOf() {
        String version = CdcFanoutSinkConnector.class.getPackage().getImplementationVersion();
        return version == null ? "0.1.0-SNAPSHOT" : version;
    }
}
