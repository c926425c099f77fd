package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class CdcFanoutSinkConnectorConfigTest {

    private static final String SINKS = "{search: {type: elasticsearch, url: 'http://127.0.0.1:9200',"
            + " tables: {public.products: {index: products}}},"
            + " history: {type: scd2, tables: {public.products: {history-table: history.products}}}}";

    private static Map<String, String> props(String sinks) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "shop-sinks");
        props.put("connector.class", CdcFanoutSinkConnector.class.getName());
        props.put(CdcFanoutSinkConnectorConfig.SINKS, sinks);
        props.put(CdcFanoutSinkConnectorConfig.SOURCE_JDBC_URL, "jdbc:postgresql://127.0.0.1:5432/shop");
        props.put(CdcFanoutSinkConnectorConfig.SOURCE_USER, "cdc");
        props.put(CdcFanoutSinkConnectorConfig.SOURCE_PASSWORD, "s3cret-pw");
        return props;
    }

    private static CdcFanoutSinkConnectorConfig parse(Map<String, String> props) {
        return CdcFanoutSinkConnectorConfig.parse(props, SinkRegistry.load());
    }

    @Test
    void theSinksBindToTheServicesTypedConfigRecords() {
        CdcFanoutSinkConnectorConfig config = parse(props(SINKS));

        assertThat(config.connectorName()).isEqualTo("shop-sinks");
        assertThat(config.sinks()).containsOnlyKeys("search", "history");
        assertThat(config.sinks().get("search").config()).isInstanceOf(ElasticsearchSinkConfig.class);
        assertThat(config.sinks().get("history").config()).isInstanceOf(Scd2SinkConfig.class);
        assertThat(config.sinks().get("history").config().sourceTables())
                .containsExactly(new TableId("public", "products"));
        assertThat(config.source().jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/shop");
        assertThat(config.source().password().reveal()).isEqualTo("s3cret-pw");
        assertThat(config.stateSchema()).isEqualTo("cdc_fanout");
        assertThat(config.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theBlockCopiedFromTheServiceFileWithItsSinksLineIsAcceptedToo() {
        String block = """
                sinks:
                  search:
                    type: elasticsearch
                    url: http://127.0.0.1:9200
                    tables: { public.products: { index: products } }
                """;

        assertThat(parse(props(block)).sinks()).containsOnlyKeys("search");
    }

    @Test
    void aMissingSinksKeyIsNamed() {
        Map<String, String> props = props(SINKS);
        props.remove(CdcFanoutSinkConnectorConfig.SINKS);

        assertThatThrownBy(() -> parse(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.sinks");
    }

    @Test
    void theCacheIsRefusedWithWhereToRunItInstead() {
        assertThatThrownBy(() -> parse(props("{cache: {type: caffeine, tables: [public.products]}}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cdc.sinks: cache.type: 'caffeine' is not supported here")
                .hasMessageContaining("source: kafka")
                .hasMessageContaining("supported types: elasticsearch, scd2");
    }

    @Test
    void anUnknownKeyIsNamedWithItsPathAndTheKeysSupportedThere() {
        String sinks = "{search: {type: elasticsearch, url: 'http://127.0.0.1:9200', bulk: {max-action: 5},"
                + " tables: {public.products: {index: products}}}}";

        assertThatThrownBy(() -> parse(props(sinks)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "cdc.sinks: search.bulk.max-action: unknown key 'max-action'; supported keys here:")
                .hasMessageContaining("max-actions");
    }

    @Test
    void aMissingRequiredSinkKeyIsExplainedByTheSinksOwnCheck() {
        assertThatThrownBy(() -> parse(props("{search: {type: elasticsearch, tables: {public.p: {index: p}}}}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cdc.sinks: search: ")
                .hasMessageContaining("'url' is required");
    }

    @Test
    void aSinkWithoutTypeAndYamlThatIsNoMappingAreRefused() {
        assertThatThrownBy(() -> parse(props("{search: {url: x}}")))
                .hasMessage("cdc.sinks: search: missing required key 'type'; supported types: elasticsearch, scd2");
        assertThatThrownBy(() -> parse(props("[a, b]"))).hasMessageStartingWith("cdc.sinks: expected a mapping");
        assertThatThrownBy(() -> parse(props("{search: {type: ["))).hasMessageStartingWith("cdc.sinks: not valid YAML");
    }

    @Test
    void errorsNeverQuoteTheSinksValueWhichMayHoldCredentials() {
        String sinks = "{search: {type: elasticsearch, url: 'http://127.0.0.1:9200', password: hunter2, colour: red,"
                + " tables: {public.p: {index: p}}}}";

        assertThatThrownBy(() -> parse(props(sinks))).hasMessageNotContaining("hunter2");
    }

    @Test
    void theSourceUrlAndStateSchemaAreChecked() {
        Map<String, String> badUrl = props(SINKS);
        badUrl.put(CdcFanoutSinkConnectorConfig.SOURCE_JDBC_URL, "postgres://127.0.0.1/shop");
        Map<String, String> badSchema = props(SINKS);
        badSchema.put(CdcFanoutSinkConnectorConfig.STATE_SCHEMA, "Cdc-State");

        assertThatThrownBy(() -> parse(badUrl))
                .hasMessageStartingWith("cdc.source.jdbc.url: expected a Postgres JDBC URL");
        assertThatThrownBy(() -> parse(badSchema)).hasMessageStartingWith("cdc.state.schema: 'Cdc-State'");
    }

    @Test
    void validateReportsTheYamlErrorOnTheSinksKey() {
        Map<String, String> props = props("{cache: {type: caffeine, tables: [public.products]}}");

        List<ConfigValue> values = new CdcFanoutSinkConnector().validate(props).configValues();

        ConfigValue sinks = values.stream()
                .filter(v -> v.name().equals(CdcFanoutSinkConnectorConfig.SINKS))
                .findFirst()
                .orElseThrow();
        assertThat(sinks.errorMessages()).singleElement().asString().contains("'caffeine' is not supported here");
        assertThat(values.stream()
                        .filter(v -> !v.name().equals(CdcFanoutSinkConnectorConfig.SINKS))
                        .flatMap(v -> v.errorMessages().stream()))
                .isEmpty();
    }

    @Test
    void everyTaskGetsTheConnectorsConfiguration() {
        CdcFanoutSinkConnector connector = new CdcFanoutSinkConnector();
        Map<String, String> props = props(SINKS);
        connector.start(props);

        assertThat(connector.taskConfigs(3))
                .hasSize(3)
                .allSatisfy(c -> assertThat(c).isEqualTo(props));
        assertThat(connector.taskClass()).isEqualTo(CdcFanoutSinkTask.class);
    }
}
