package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/**
 * The sink connector configuration the compose {@code kafka} profile registers
 * ({@code compose/connect/cdc-fanout-sink.json}) is accepted by the connector, reads the topics the per-table
 * source connector ({@code cdc-fanout-source-tables.json} on top of the shipped {@code cdc-fanout-source.json})
 * writes, and decodes them as they are encoded.
 */
class ShippedSinkConfigTest {

    private static final Path CONNECT = Path.of("..", "..", "compose", "connect");
    private static final Path COMPOSE_FILE = Path.of("..", "..", "compose", "docker-compose.yml");

    /** A worker's {@code ${env:NAME}} reference (EnvVarConfigProvider). */
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

    /** A compose {@code ${NAME:-default}} value. */
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    @Test
    void theConnectorAcceptsTheShippedConfigurationWithTheWorkersEnvironment() throws Exception {
        Map<String, String> props = resolved(sinkConfig());

        assertThat(new CdcFanoutSinkConnector().validate(props).configValues())
                .as("errors reported by CdcFanoutSinkConnector.validate")
                .flatExtracting(ConfigValue::errorMessages)
                .isEmpty();
        CdcFanoutSinkConnectorConfig config = CdcFanoutSinkConnectorConfig.parse(props, SinkRegistry.load());
        assertThat(config.connectorName()).isEqualTo("cdc-fanout-sink");
        assertThat(config.sinks()).containsOnlyKeys("search", "history");
        assertThat(config.sinks().get("search").config()).isInstanceOf(ElasticsearchSinkConfig.class);
        assertThat(config.sinks().get("history").config()).isInstanceOf(Scd2SinkConfig.class);
        assertThat(config.source().jdbcUrl()).isEqualTo("jdbc:postgresql://postgres:5432/shop");
        assertThat(props.get("tasks.max")).isEqualTo("3");
    }

    @Test
    void everyReferencedVariableIsSetOnTheConnectWorker() throws Exception {
        Map<String, String> worker = connectEnvironment();
        for (Path file :
                new Path[] {CONNECT.resolve("cdc-fanout-sink.json"), CONNECT.resolve("cdc-fanout-source.json")}) {
            Matcher m = ENV_REFERENCE.matcher(Files.readString(file));
            while (m.find()) {
                assertThat(worker)
                        .as(file + " references ${env:" + m.group(1) + "}")
                        .containsKey(m.group(1));
            }
        }
        assertThat(sinkConfig().get(CdcFanoutSinkConnectorConfig.SOURCE_PASSWORD))
                .as("the password is a reference the worker resolves, never a value in the file")
                .matches(ENV_REFERENCE.pattern());
    }

    @Test
    void theTopicsAreThePerTableTopicsOfTheSinksTablesAndCaptured() throws Exception {
        Map<String, String> sink = sinkConfig();
        Map<String, String> source = perTableSourceConfig();
        String prefix = source.get("topic.prefix");
        assertThat(source.get("transforms"))
                .as("the per-table source keeps Debezium's topic per table")
                .isEmpty();

        Set<String> sinkTables = new TreeSet<>();
        for (BoundSink<?> bound : CdcFanoutSinkConnectorConfig.parse(resolved(sink), SinkRegistry.load())
                .sinks()
                .values()) {
            bound.config().sourceTables().stream().map(TableId::toString).forEach(sinkTables::add);
        }
        Set<String> topics = Arrays.stream(sink.get("topics").split(","))
                .map(String::trim)
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(topics)
                .as("topics: one per table a sink writes, named <topic.prefix>.<schema>.<table>")
                .isEqualTo(
                        sinkTables.stream().map(t -> prefix + "." + t).collect(Collectors.toCollection(TreeSet::new)));
        assertThat(sinkTables)
                .as("the sinks' tables are captured (CDC_TABLES of the connect service)")
                .isSubsetOf(Arrays.stream(connectEnvironment().get("CDC_TABLES").split(","))
                        .map(String::trim)
                        .toList());
    }

    @Test
    void recordsAreDecodedWithTheConvertersTheSourceEncodesThemWith() throws Exception {
        Map<String, String> sink = sinkConfig();
        Map<String, String> source = perTableSourceConfig();
        Map<String, String> sourceConverters = new LinkedHashMap<>();
        source.forEach((key, value) -> {
            if (key.matches("(key|value|header)\\.converter.*")) {
                sourceConverters.put(key, value);
            }
        });

        assertThat(sourceConverters).isNotEmpty();
        assertThat(sink).containsAllEntriesOf(sourceConverters);
    }

    private static Map<String, String> sinkConfig() throws Exception {
        return config(read(CONNECT.resolve("cdc-fanout-sink.json")));
    }

    /** The shipped source configuration with the per-table file's keys on top, as the register job sends it. */
    private static Map<String, String> perTableSourceConfig() throws Exception {
        JsonNode overlay = read(CONNECT.resolve("cdc-fanout-source-tables.json"));
        Map<String, String> config =
                config(read(CONNECT.resolve(overlay.get("extends").asText())));
        config.putAll(config(overlay));
        return config;
    }

    private static JsonNode read(Path file) throws Exception {
        return new ObjectMapper().readTree(Files.readString(file));
    }

    private static Map<String, String> config(JsonNode connector) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("name", connector.get("name").asText());
        for (Iterator<Map.Entry<String, JsonNode>> it = connector.get("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            config.put(e.getKey(), e.getValue().asText());
        }
        return config;
    }

    /** {@code config} with its {@code ${env:...}} references resolved from the connect service's environment. */
    private static Map<String, String> resolved(Map<String, String> config) throws Exception {
        Map<String, String> env = connectEnvironment();
        Map<String, String> resolved = new LinkedHashMap<>();
        config.forEach((key, value) -> {
            Matcher m = ENV_REFERENCE.matcher(value);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String variable = env.get(m.group(1));
                assertThat(variable)
                        .as(key + ": ${env:" + m.group(1) + "} is set on the worker")
                        .isNotNull();
                m.appendReplacement(out, Matcher.quoteReplacement(variable));
            }
            m.appendTail(out);
            resolved.put(key, out.toString());
        });
        return resolved;
    }

    /** The connect service's environment in docker-compose.yml, {@code ${NAME:-default}} as its default. */
    private static Map<String, String> connectEnvironment() throws Exception {
        JsonNode environment = new ObjectMapper(new YAMLFactory())
                .readTree(Files.readString(COMPOSE_FILE))
                .path("services")
                .path("connect")
                .path("environment");
        assertThat(environment.isObject())
                .as("services.connect.environment is a mapping")
                .isTrue();
        Map<String, String> env = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = environment.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Matcher m = COMPOSE_VARIABLE.matcher(e.getValue().asText());
            StringBuilder value = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(value, Matcher.quoteReplacement(m.group(2) == null ? "" : m.group(2)));
            }
            m.appendTail(value);
            env.put(e.getKey(), value.toString());
        }
        return env;
    }
}
