package io.cdcfanout.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.HttpCalls;
import io.cdcfanout.it.support.Masks;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.engine.StartupException;
import io.cdcfanout.sink.SinkRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP bearer token, and column privacy end to end: excluded columns and raw masked values reach no
 * sink, neither from the initial load nor from the stream. (Secrets in logs: {@link SecretsInLogsIT}.)
 */
@ExtendWith(BackendsExtension.class)
class SecurityIT {

    private static final String TOKEN = "tok-SecurityIT-0b7c";
    private static final String MASK_KEY = "mask-key-SecurityIT-4e21";
    private static final Map<String, String> ENV = Map.of("CDC_HTTP_TOKEN", TOKEN, "CDC_MASK_KEY", MASK_KEY);

    private final HttpCalls calls = new HttpCalls();

    @Test
    void bearerTokenGuardsEveryEndpointButHealth(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE products (id bigint PRIMARY KEY, name text)",
                "INSERT INTO products VALUES (1, 'kettle')");
        String slot = Backends.uniqueName("sec_token");
        String yaml = withToken(RunningService.configYaml(db, slot, "public.products", """
                  cache: { type: caffeine, tables: [public.products] }
                  history: { type: scd2, tables: { public.products: { history-table: history.products } } }
                """));
        try (CdcService service = CdcService.start(parse(yaml))) {
            String base = "http://127.0.0.1:" + service.httpPort();
            awaitReady(base);
            // ready means streaming; the snapshot row may still be on its way to the history table
            Awaitility.await("snapshot in history")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> send("GET", base + "/history/public.products/1", TOKEN)
                                    .statusCode()
                            == 200);

            assertThat(send("GET", base + "/health", null).statusCode()).isEqualTo(200);
            List<String> guarded = List.of(
                    "GET /ready",
                    "GET /status",
                    "GET /metrics",
                    "GET /cache/public.products/1",
                    "GET /history/public.products/1",
                    "GET /wait?lsn=0/0",
                    "POST /sinks/cache/pause",
                    "POST /sinks/cache/resume",
                    "GET /no-such-endpoint");
            for (String endpoint : guarded) {
                String[] parts = endpoint.split(" ");
                HttpResponse<String> anonymous = send(parts[0], base + parts[1], null);
                assertThat(anonymous.statusCode())
                        .as("%s without a token", endpoint)
                        .isEqualTo(401);
                assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                assertThat(send(parts[0], base + parts[1], "wrong-" + TOKEN).statusCode())
                        .as("%s with a wrong token", endpoint)
                        .isEqualTo(401);
                assertThat(send(parts[0], base + parts[1], TOKEN.substring(0, TOKEN.length() - 1))
                                .statusCode())
                        .as("%s with a prefix of the token", endpoint)
                        .isEqualTo(401);
            }
            for (String endpoint : guarded.subList(0, guarded.size() - 1)) {
                String[] parts = endpoint.split(" ");
                assertThat(send(parts[0], base + parts[1], TOKEN).statusCode())
                        .as("%s with the token", endpoint)
                        .isEqualTo(200);
            }
            assertThat(send("GET", base + "/no-such-endpoint", TOKEN).statusCode())
                    .isEqualTo(404);
            assertThat(send("GET", base + "/cache/public.products/1", TOKEN).body())
                    .contains("kettle");
        }
    }

    @Test
    void excludedAndMaskedColumnsReachNoSink(TestDatabase db, ElasticsearchBackend es) throws Exception {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, ssn text, notes text)",
                "INSERT INTO customers VALUES (1, 'Alice', 'alice@example.com', '123-45-6789', 'likes tea')");
        String slot = Backends.uniqueName("sec_mask");
        String index = Backends.uniqueName("customers");
        String yaml = withToken(withColumnRules(
                RunningService.configYaml(db, slot, "public.customers", """
                  cache: { type: caffeine, tables: [public.customers] }
                  search:
                    type: elasticsearch
                    url: %s
                    refresh: wait_for
                    tables: { public.customers: { index: %s } }
                  history: { type: scd2, tables: { public.customers: { history-table: history.customers } } }
                """.formatted(es.url(), index))));
        try (CdcService service = CdcService.start(parse(yaml))) {
            String base = "http://127.0.0.1:" + service.httpPort();
            awaitReady(base);

            JsonNode loaded =
                    json(send("GET", base + "/cache/public.customers/1", TOKEN)).get("row");
            assertPrivate(loaded, "Alice", hmac("alice@example.com"));

            db.execute(
                    "INSERT INTO customers VALUES (2, 'Bob', 'bob@example.com', '987-65-4321', 'no sugar')",
                    "UPDATE customers SET email = 'alice@new.example', ssn = '000-00-0000' WHERE id = 1");
            String lsn = RunningService.currentWalLsn(db).toString();
            JsonNode bob = json(send("GET", base + "/cache/public.customers/2?min_lsn=" + lsn, TOKEN))
                    .get("row");
            assertPrivate(bob, "Bob", hmac("bob@example.com"));
            assertPrivate(
                    json(send("GET", base + "/cache/public.customers/1", TOKEN)).get("row"),
                    "Alice",
                    hmac("alice@new.example"));

            Awaitility.await("search index has both rows")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> send("GET", es.url() + "/" + index + "/_doc/2", null)
                                    .statusCode()
                            == 200);
            Awaitility.await("search index has the update")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> json(send("GET", es.url() + "/" + index + "/_doc/1", null))
                            .path("_source")
                            .path("email")
                            .asText()
                            .equals(hmac("alice@new.example")));
            assertPrivate(
                    json(send("GET", es.url() + "/" + index + "/_doc/2", null)).get("_source"),
                    "Bob",
                    hmac("bob@example.com"));

            Awaitility.await("history has Alice's update")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> json(send("GET", base + "/history/public.customers/1", TOKEN))
                                    .path("versions")
                                    .size()
                            == 2);
            for (JsonNode version : json(send("GET", base + "/history/public.customers/1", TOKEN))
                    .get("versions")) {
                assertThat(version.get("data").has("ssn")).isFalse();
                assertThat(version.get("data").get("email").asText())
                        .isIn(hmac("alice@example.com"), hmac("alice@new.example"));
            }
        } finally {
            send("DELETE", es.url() + "/" + index + "_v1", null);
            send("DELETE", es.url() + "/cdc-fanout-meta/_doc/" + index + "_v1", null);
        }
    }

    @Test
    void rulesOnKeyOrMissingColumnsStopTheStart(TestDatabase db) {
        db.execute("CREATE TABLE customers (id bigint PRIMARY KEY, email text)");
        String base = RunningService.configYaml(db, Backends.uniqueName("sec_rules"), "public.customers", """
                  cache: { type: caffeine, tables: [public.customers] }
                """);
        String onKey = base.replace(
                "  tables: [public.customers]\n",
                "  tables: [public.customers]\n  columns: { public.customers: { mask: [id] } }\n  mask-key: \"${CDC_MASK_KEY}\"\n");
        assertThatThrownBy(() -> CdcService.start(parse(onKey)))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("key column(s) [id]");
        String missing = base.replace(
                "  tables: [public.customers]\n",
                "  tables: [public.customers]\n  columns: { public.customers: { exclude: [ssn] } }\n");
        assertThatThrownBy(() -> CdcService.start(parse(missing)))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("[ssn]")
                .hasMessageContaining("does not have");
    }

    private static void assertPrivate(JsonNode row, String name, String maskedEmail) {
        assertThat(row.get("name").asText()).isEqualTo(name);
        assertThat(row.get("email").asText()).isEqualTo(maskedEmail);
        assertThat(row.has("ssn")).as("excluded column ssn in %s", row).isFalse();
        assertThat(row.has("notes")).as("excluded column notes in %s", row).isFalse();
        assertThat(row.toString()).doesNotContain("@example", "@new.example", "123-45", "987-65", "000-00");
    }

    static String hmac(String value) {
        return Masks.hmac(MASK_KEY, value);
    }

    private static String withToken(String yaml) {
        return yaml.replace("http: { port: 0 }", "http: { port: 0, token: \"${CDC_HTTP_TOKEN}\" }");
    }

    private static String withColumnRules(String yaml) {
        return yaml.replace("  tables: [public.customers]\n", """
                  tables: [public.customers]
                  columns:
                    public.customers: { exclude: [ssn, notes], mask: [email] }
                  mask-key: "${CDC_MASK_KEY}"
                """);
    }

    private static ServiceConfig parse(String yaml) {
        return new ConfigLoader(SinkRegistry.load(), ENV).parse(yaml, "security.yml");
    }

    private void awaitReady(String base) {
        Awaitility.await("service ready")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> send("GET", base + "/ready", TOKEN).statusCode() == 200);
    }

    private HttpResponse<String> send(String method, String url, String token) {
        return calls.send(method, url, token);
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return RowJson.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(response.body(), e);
        }
    }
}
