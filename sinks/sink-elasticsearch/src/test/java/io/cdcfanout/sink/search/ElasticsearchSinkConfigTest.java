package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.Refresh;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticsearchSinkConfigTest {

    /** Bound as the service binds sink blocks: kebab-case, unknown keys rejected, subtype by {@code type}. */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static {
        YAML.registerSubtypes(new NamedType(ElasticsearchSinkConfig.class, ElasticsearchSinkFactory.TYPE));
    }

    private static ElasticsearchSinkConfig bind(String yaml) throws Exception {
        return (ElasticsearchSinkConfig) YAML.readValue(yaml, SinkConfig.class);
    }

    private static void assertRejected(String yaml, String... messageParts) {
        assertThatThrownBy(() -> bind(yaml))
                .hasStackTraceContaining(messageParts[0])
                .satisfies(e -> {
                    for (String part : messageParts) {
                        assertThat(stackText(e)).contains(part);
                    }
                });
    }

    private static String stackText(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getMessage()).append('\n');
        }
        return text.toString();
    }

    @Test
    void minimalConfigGetsDefaults() throws Exception {
        ElasticsearchSinkConfig config = bind("""
                type: elasticsearch
                url: http://127.0.0.1:9200
                tables: { public.products: { index: products } }
                """);
        assertThat(config.url()).containsExactly("http://127.0.0.1:9200");
        assertThat(config.refresh()).isEqualTo(Refresh.NONE);
        assertThat(config.bulk().maxActions()).isEqualTo(1000);
        assertThat(config.bulk().maxBytes()).isEqualTo(5L * 1024 * 1024);
        assertThat(config.bulk().concurrency()).isEqualTo(2);
        assertThat(config.sourceTables()).containsExactly(TableId.parse("public.products"));
        assertThat(config.options(TableId.parse("public.products")).exclude()).isEmpty();
        assertThat(config.apiKey().isEmpty()).isTrue();
        assertThat(config.keepOldIndexes())
                .as("the old index is deleted at the swap")
                .isZero();
    }

    @Test
    void everyKeyBinds(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not checked until start");
        Path mapping = Files.writeString(
                dir.resolve("orders.json"),
                "{\"mappings\": {\"properties\": {\"total\": {\"type\": \"scaled_float\", \"scaling_factor\": 100}}}}");
        ElasticsearchSinkConfig config = bind("""
                type: elasticsearch
                url: [https://es1:9200, https://es2:9200]
                username: cdc
                password: s3cret
                ca-file: %s
                refresh: wait_for
                bulk: { max-actions: 500, max-bytes: 1048576, concurrency: 4 }
                keep-old-indexes: 2
                tables:
                  public.products:
                    index: products
                    exclude: [internal_notes]
                    mapping: { properties: { name: { type: text } } }
                  sales.orders:
                    index: orders
                    id: "{tenant}:{order_no}"
                    include: [tenant, order_no, total]
                    mapping: %s
                """.formatted(ca, mapping));
        assertThat(config.url()).containsExactly("https://es1:9200", "https://es2:9200");
        assertThat(config.password().reveal()).isEqualTo("s3cret");
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.refresh()).isEqualTo(Refresh.WAIT_FOR);
        assertThat(config.bulk().concurrency()).isEqualTo(4);
        assertThat(config.keepOldIndexes()).isEqualTo(2);
        ElasticsearchSinkConfig.TableOptions orders = config.options(TableId.parse("sales.orders"));
        assertThat(orders.include()).containsExactly("tenant", "order_no", "total");
        assertThat(orders.indexBody().mappings().at("/properties/total/type").asText())
                .isEqualTo("scaled_float");
        assertThat(config.options(TableId.parse("public.products"))
                        .indexBody()
                        .mappings()
                        .at("/properties/name/type")
                        .asText())
                .isEqualTo("text");
    }

    @Test
    void unknownKeysAreErrors() {
        assertRejected("""
                type: elasticsearch
                url: http://es:9200
                max-actions: 5
                tables: { public.products: { index: products } }
                """, "max-actions");
        assertRejected("""
                type: elasticsearch
                url: http://es:9200
                tables: { public.products: { index: products, idx: x } }
                """, "idx");
    }

    @Test
    void badCombinationsSayWhatToFix() {
        assertRejected("type: elasticsearch\ntables: { a.b: { index: x } }\n", "'url' is required");
        assertRejected("type: elasticsearch\nurl: es:9200\ntables: { a.b: { index: x } }\n", "not an http(s) URL");
        assertRejected("type: elasticsearch\nurl: http://es:9200\n", "'tables' or 'views' is required");
        assertRejected(
                "type: elasticsearch\nurl: http://u:p@es:9200\ntables: { a.b: { index: x } }\n",
                "must not carry credentials");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nusername: u\ntables: { a.b: { index: x } }\n",
                "both 'username' and 'password'");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nusername: u\npassword: p\napi-key: k\ntables: { a.b: { index: x } }\n",
                "not both");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { id: '{x}' } }\n", "needs 'index: <name>'");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: Products } }\n", "lower-case");
        assertRejected("type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: _x } }\n", "must not start");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: x, include: [a], exclude: [b] } }\n",
                "not both");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: x }, a.c: { index: x } }\n",
                "own index");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: x, id: 'k-{' } }\n", "placeholder");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: x, mapping: /nonexistent/m.json } }\n",
                "cannot read mapping file");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\ntables: { a.b: { index: x, mapping: { aliases: {} } } }\n",
                "must not set 'aliases'");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nrefresh: true\ntables: { a.b: { index: x } }\n",
                "none or wait_for");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nbulk: { concurrency: 0 }\ntables: { a.b: { index: x } }\n",
                "bulk.concurrency");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nca-file: /nonexistent.pem\ntables: { a.b: { index: x } }\n",
                "ca-file");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nkeep-old-indexes: -1\ntables: { a.b: { index: x } }\n",
                "'keep-old-indexes' must be 0 or more, not -1");
        assertRejected(
                "type: elasticsearch\nurl: http://es:9200\nkeep-old-indexes: two\ntables: { a.b: { index: x } }\n",
                "keep-old-indexes");
    }

    @Test
    void theFactoryIsRegistered() {
        assertThat(SinkRegistry.load().factory("elasticsearch")).isInstanceOf(ElasticsearchSinkFactory.class);
        assertThat(new ElasticsearchSinkFactory().configType()).isEqualTo(ElasticsearchSinkConfig.class);
    }
}
