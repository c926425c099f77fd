package io.cdcfanout.service.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.engine.DebeziumProperties;
import io.cdcfanout.sink.SinkRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The connector settings this mode relies on: as the shipped connector configuration has them, as the embedded
 * engine has them (so the two modes decode alike), and what a configuration that differs is told.
 */
class ConnectorSettingsTest {

    private static final Path SHIPPED = Path.of("..", "..", "compose", "connect", "cdc-fanout-source.json");

    static Map<String, String> shipped() throws Exception {
        JsonNode config = new ObjectMapper().readTree(Files.readString(SHIPPED)).get("config");
        Map<String, String> map = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            map.put(e.getKey(), e.getValue().asText());
        }
        return map;
    }

    @Test
    void theShippedConnectorConfigurationHasEverySetting() throws Exception {
        assertThat(ConnectorSettings.problems(shipped())).isEmpty();
    }

    @Test
    void theEmbeddedEngineDecodesWithTheSameSettings() {
        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), Map.of()).parse("""
                source:
                  postgres: { host: localhost, database: shop, user: cdc }
                  tables: [public.products]
                sinks:
                  cache: { type: caffeine, tables: [public.products] }
                """, "t.yml");
        Properties embedded = DebeziumProperties.from(config, "id");
        ConnectorSettings.EXPECTED.forEach((key, value) -> {
            if (!key.matches("(key|value|header)\\.converter.*")) { // the engine hands over Structs: no JsonConverter
                assertThat(embedded.getProperty(key)).as(key).isEqualTo(value);
            }
        });
    }

    @Test
    void eachSettingThatDiffersIsNamedWithItsValue() throws Exception {
        Map<String, String> config = shipped();
        config.remove("skipped.operations");
        config.put("decimal.handling.mode", "precise");
        config.put("message.prefix.include.list", "app_messages, cdc_fanout_fence");
        config.put("datatype.propagate.source.type", config.get("datatype.propagate.source.type") + ",.+\\.money");

        assertThat(ConnectorSettings.problems(config))
                .containsExactly(
                        "decimal.handling.mode is 'precise': set decimal.handling.mode=string",
                        "skipped.operations is not set (default t: TRUNCATE is dropped): set skipped.operations=none");
    }

    @Test
    void aConnectorWithoutTheArrayConverterIsToldWhereItsJarGoes() throws Exception {
        Map<String, String> config = shipped();
        config.put("converters", "theirs, cdcfanout_arrays");
        assertThat(ConnectorSettings.problems(config)).isEmpty();

        config.remove("converters");
        assertThat(ConnectorSettings.problems(config))
                .singleElement()
                .asString()
                .startsWith(
                        "converters is not set (default none: interval[], money[], varbit[] and xml[] columns are dropped")
                .contains("the debezium-converters jar belongs in the connector's plugin directory")
                .endsWith("set converters=cdcfanout_arrays");
    }
}
