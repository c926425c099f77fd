package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.SinkRegistry;
import org.junit.jupiter.api.Test;

class Scd2SinkConfigTest {

    /** Binds like the service does: kebab-case keys, unknown keys rejected, type chosen by factory. */
    private static final ObjectMapper YAML = yamlMapper();

    private static ObjectMapper yamlMapper() {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.registerSubtypes(new NamedType(Scd2SinkConfig.class, Scd2SinkFactory.TYPE));
        return mapper;
    }

    private static SinkConfig bind(String yaml) throws Exception {
        return YAML.readValue(yaml, SinkConfig.class);
    }

    @Test
    void bindsTheDesignExampleWithTheSourceDatabaseAsDefault() throws Exception {
        SinkConfig config = bind("""
                type: scd2
                tables: { public.tax_rates: { history-table: history.tax_rates } }
                """);

        Scd2SinkConfig scd2 = (Scd2SinkConfig) config;
        assertThat(scd2.jdbcUrl()).isNull();
        assertThat(scd2.password()).isEqualTo(Secret.NONE);
        assertThat(scd2.sourceTables()).containsExactly(TableId.parse("public.tax_rates"));
        assertThat(scd2.historyTableOf(TableId.parse("public.tax_rates")))
                .isEqualTo(new TableId("history", "tax_rates"));
    }

    @Test
    void bindsASeparateHistoryDatabase() throws Exception {
        Scd2SinkConfig config = (Scd2SinkConfig) bind("""
                type: scd2
                jdbc-url: jdbc:postgresql://db:5432/warehouse
                user: history
                password: s3cret
                tables:
                  public.tax_rates: { history-table: history.tax_rates }
                  public.products: { history-table: history.products }
                """);

        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/warehouse");
        assertThat(config.password().reveal()).isEqualTo("s3cret");
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.sourceTables())
                .containsExactly(TableId.parse("public.tax_rates"), TableId.parse("public.products"));
    }

    @Test
    void rejectsUnknownKeys() {
        assertThatThrownBy(() -> bind("""
                type: scd2
                tables: { public.tax_rates: { history-table: history.tax_rates, history-tabel: x.y } }
                """)).hasMessageContaining("history-tabel");
    }

    @Test
    void requiresTablesAndAHistoryTableEach() {
        assertThatThrownBy(() -> bind("type: scd2\n"))
                .hasMessageContaining("'tables' must name at least one source table");
        assertThatThrownBy(() -> bind("type: scd2\ntables: { public.tax_rates: {} }\n"))
                .hasMessageContaining("'history-table' is required");
    }

    @Test
    void rejectsCredentialsWithoutJdbcUrlAndJdbcUrlWithoutUser() {
        assertThatThrownBy(() -> bind("""
                type: scd2
                user: someone
                tables: { public.tax_rates: { history-table: history.tax_rates } }
                """)).hasMessageContaining("apply only with 'jdbc-url'");
        assertThatThrownBy(() -> bind("""
                type: scd2
                jdbc-url: jdbc:postgresql://db/warehouse
                tables: { public.tax_rates: { history-table: history.tax_rates } }
                """)).hasMessageContaining("'user' is required with jdbc-url");
        assertThatThrownBy(() -> bind("""
                type: scd2
                jdbc-url: jdbc:mysql://db/warehouse
                user: u
                tables: { public.tax_rates: { history-table: history.tax_rates } }
                """)).hasMessageContaining("must be a Postgres JDBC URL");
    }

    @Test
    void rejectsSharedOrCapturedHistoryTables() {
        assertThatThrownBy(() -> bind("""
                type: scd2
                tables:
                  public.a: { history-table: history.x }
                  public.b: { history-table: history.x }
                """)).hasMessageContaining("both write to history-table history.x");
        assertThatThrownBy(() -> bind("""
                type: scd2
                tables:
                  public.a: { history-table: public.b }
                  public.b: { history-table: history.b }
                """)).hasMessageContaining("is itself a captured source table");
    }

    @Test
    void factoryIsRegisteredForTypeScd2() {
        assertThat(SinkRegistry.load().factory("scd2")).isInstanceOf(Scd2SinkFactory.class);
    }
}
