package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The example configurations of {@code compose/} stay loadable, with the environment docker-compose.yml gives each
 * service: {@code cdc-fanout.yml} (the sidecar on its own slot) and {@code cdc-fanout-kafka.yml} (the two
 * {@code source.kafka} replicas of the {@code kafka} profile).
 */
class ComposeExampleConfigTest {

    private static final Path COMPOSE = Path.of("..", "..", "compose");

    /** {@code ${NAME:-default}} in a compose value; docker-compose substitutes the default when NAME is unset. */
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    @Test
    void exampleConfigLoadsWithTheEnvironmentComposeSets() throws Exception {
        Map<String, String> env = environment("cdc-fanout");
        assertThat(env).containsKeys("PG_PASSWORD", "CDC_HTTP_TOKEN", "CDC_MASK_KEY");

        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), env).load(COMPOSE.resolve("cdc-fanout.yml"));

        assertThat(config.source().tables())
                .extracting(TableId::toString)
                .containsExactly("public.products", "public.customers", "public.orders", "public.tax_rates");
        assertThat(config.sinks().keySet()).containsExactly("search", "cache", "history");
        assertThat(config.source().columns()).containsKey(TableId.parse("public.customers"));
        assertThat(config.http().token().isEmpty()).isFalse();
    }

    @Test
    void initSqlCreatesEveryCapturedTable() throws Exception {
        String initSql = Files.readString(COMPOSE.resolve("init.sql"));
        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), environment("cdc-fanout"))
                .load(COMPOSE.resolve("cdc-fanout.yml"));
        for (TableId table : config.source().tables()) {
            assertThat(initSql).contains("CREATE TABLE " + table + " (");
        }
        for (String table : connectorTables()) {
            assertThat(initSql).as("init.sql creates " + table).contains("CREATE TABLE " + table + " (");
        }
    }

    @Test
    void kafkaSidecarsLoadWithTheirOwnInstanceAndReadTheShippedConnectorsTopic() throws Exception {
        JsonNode shipped = new ObjectMapper()
                .readTree(Files.readString(COMPOSE.resolve("connect").resolve("cdc-fanout-source.json")));
        String topic =
                shipped.get("config").get("transforms.one_topic.replacement").asText();
        String connector = shipped.get("name").asText();
        List<String> captured = connectorTables();

        for (String service : List.of("sidecar-a", "sidecar-b")) {
            Map<String, String> env = environment(service);
            ServiceConfig config =
                    new ConfigLoader(SinkRegistry.load(), env).load(COMPOSE.resolve("cdc-fanout-kafka.yml"));

            KafkaSourceConfig kafka = config.source().kafka();
            assertThat(kafka).as(service + ": source.kafka").isNotNull();
            assertThat(kafka.instance()).as(service + ": its own instance name").isEqualTo(service);
            assertThat(kafka.topic())
                    .as(service + ": the topic the shipped connector routes to")
                    .isEqualTo(topic);
            assertThat(kafka.connectorUrl()).endsWith("/connectors/" + connector);
            assertThat(config.source().slot()).as("no slot of its own").isNull();
            assertThat(config.source().tables())
                    .extracting(TableId::toString)
                    .as(service + ": only tables the Connect worker captures (CDC_TABLES)")
                    .isSubsetOf(captured);
            assertThat(config.sinks().keySet()).containsExactly("cache");
            assertThat(config.http().token().isEmpty()).isFalse();
        }
    }

    /** The tables the connect service's Debezium connectors capture: its {@code CDC_TABLES}. */
    private static List<String> connectorTables() throws Exception {
        String tables = environment("connect").get("CDC_TABLES");
        assertThat(tables).as("CDC_TABLES of the connect service").isNotBlank();
        return Arrays.stream(tables.split(",")).map(String::trim).toList();
    }

    /**
     * The environment docker-compose.yml gives {@code service}, with {@code ${NAME:-default}} replaced by its
     * default (what compose passes when NAME is not set).
     */
    private static Map<String, String> environment(String service) throws Exception {
        JsonNode compose =
                new ObjectMapper(new YAMLFactory()).readTree(Files.readString(COMPOSE.resolve("docker-compose.yml")));
        JsonNode environment = compose.path("services").path(service).path("environment");
        assertThat(environment.isObject())
                .as("services." + service + ".environment in docker-compose.yml is a mapping")
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
