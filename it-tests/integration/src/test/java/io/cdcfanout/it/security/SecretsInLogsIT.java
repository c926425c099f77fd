package io.cdcfanout.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.service.cli.Main;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real CLI ({@code run}) as a child process with distinctive secrets — a Postgres role's password,
 * the HTTP token and the mask key — and personal data in a masked column, drives start-up, traffic,
 * pause/resume and a SIGTERM stop, and scans everything the process wrote for them.
 *
 * <p>Logging uses the shipped {@code logback.xml} with every logger raised to at least INFO (ours to
 * DEBUG), so whatever the shipped levels would print is printed here too, including Debezium's
 * configuration dump, where it must mask {@code database.password}.
 */
@ExtendWith(BackendsExtension.class)
class SecretsInLogsIT {

    private static final String PASSWORD = "pw-Sentinel-7f3a";
    private static final String TOKEN = "tok-Sentinel-9c1e";
    private static final String MASK_KEY = "mk-Sentinel-5d2b-0123456789";
    private static final String EMAIL = "sentinel.person@example.com";
    private static final List<String> SECRETS = List.of(PASSWORD, TOKEN, MASK_KEY, EMAIL, "Sentinel");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void noSecretReachesTheLog(TestDatabase db, @TempDir Path dir) throws Exception {
        String role = Backends.uniqueName("sentinel");
        db.execute(
                "CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD '" + PASSWORD + "'",
                "GRANT CREATE ON DATABASE " + db.name() + " TO " + role,
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text)",
                "ALTER TABLE customers OWNER TO " + role,
                "INSERT INTO customers VALUES (1, 'Alice', 'alice@example.com')");
        Path log = dir.resolve("service.log");
        Process process = null;
        try {
            int port = freePort();
            Path config = Files.writeString(dir.resolve("cdc-fanout.yml"), """
                    source:
                      postgres: { host: %s, port: %d, database: %s, user: %s, password: "${PG_PASSWORD}" }
                      slot: %s
                      publication: %s
                      tables: [public.customers]
                      columns: { public.customers: { mask: [email] } }
                      mask-key: "${CDC_MASK_KEY}"
                    http: { port: %d, token: "${CDC_HTTP_TOKEN}" }
                    sinks:
                      cache: { type: caffeine, tables: [public.customers] }
                      history: { type: scd2, tables: { public.customers: { history-table: history.customers } } }
                    """.formatted(
                            db.server().host(), db.server().port(), db.name(), role, role, role, port));
            process = startCli(dir, config, log);
            String base = "http://127.0.0.1:" + port;
            Process running = process;
            Awaitility.await("service ready")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast("the service exited", () -> !running.isAlive())
                    .ignoreExceptionsInstanceOf(IllegalStateException.class) // connection refused until HTTP is up
                    .until(() -> status(base + "/ready", TOKEN) == 200);

            db.execute(
                    "INSERT INTO customers VALUES (2, 'Sentinel Person', '" + EMAIL + "')",
                    "UPDATE customers SET name = 'Alice B' WHERE id = 1");
            Awaitility.await("row 2 cached")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> status(base + "/cache/public.customers/2", TOKEN) == 200);
            assertThat(status(base + "/cache/public.customers/2", "wrong")).isEqualTo(401);
            assertThat(status(base + "/status", TOKEN)).isEqualTo(200);
            assertThat(status(base + "/metrics", TOKEN)).isEqualTo(200);
            assertThat(send("POST", base + "/sinks/cache/pause", TOKEN).statusCode())
                    .isEqualTo(200);
            assertThat(send("POST", base + "/sinks/cache/resume", TOKEN).statusCode())
                    .isEqualTo(200);
            db.execute("DELETE FROM customers WHERE id = 1");
            TimeUnit.SECONDS.sleep(1);

            process.destroy(); // SIGTERM: the graceful stop path
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as("stopped within 60 s")
                    .isTrue();
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            db.execute("DROP OWNED BY " + role, "DROP ROLE " + role);
        }

        String output = Files.readString(log);
        assertThat(output)
                .as("captured start-up, Debezium's configuration and the stop")
                .contains("starting:", "streaming from slot", "stopping", "engine stopped", "database.user");
        assertThat(output)
                .as("Debezium masks the password it logs")
                .containsPattern("database\\.password\\s*=\\s*\\*+");
        for (String secret : SECRETS) {
            assertThat(output).as("the log contains %s", secret).doesNotContain(secret);
        }
        JsonNode banner = output.lines()
                .filter(l -> l.startsWith("{") && l.contains("starting:"))
                .findFirst()
                .map(SecretsInLogsIT::json)
                .orElseThrow(() -> new AssertionError("no JSON banner line in:\n" + output));
        assertThat(banner.get("level").asText()).isEqualTo("INFO");
        assertThat(banner.get("formattedMessage").asText())
                .contains("password=******", "token=******", "mask-key=******");
    }

    /** {@code java -cp <this test's class path> Main run --config FILE --log-format json}, output to {@code log}. */
    private static Process startCli(Path dir, Path config, Path log) throws IOException {
        Path logback = Files.writeString(dir.resolve("logback-verbose.xml"), verboseLogbackConfig());
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dlogback.configurationFile=" + logback,
                        Main.class.getName(),
                        "run",
                        "--config",
                        config.toString(),
                        "--log-format",
                        "json")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PG_PASSWORD", PASSWORD);
        builder.environment().put("CDC_HTTP_TOKEN", TOKEN);
        builder.environment().put("CDC_MASK_KEY", MASK_KEY);
        builder.environment().remove("CDC_LOG_FORMAT");
        return builder.start();
    }

    /** The shipped logback.xml with every level at least INFO and ours at DEBUG. */
    private static String verboseLogbackConfig() throws IOException {
        try (InputStream shipped = Main.class.getResourceAsStream("/logback.xml")) {
            assertThat(shipped).as("logback.xml on the class path").isNotNull();
            return new String(shipped.readAllBytes(), StandardCharsets.UTF_8)
                    .replaceAll("level=\"(WARN|ERROR)\"", "level=\"INFO\"")
                    .replace("${CDC_LOG_LEVEL:-INFO}", "DEBUG");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private int status(String url, String token) {
        return send("GET", url, token).statusCode();
    }

    private HttpResponse<String> send(String method, String url, String token) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(30))
                            .method(method, HttpRequest.BodyPublishers.noBody())
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(String line) {
        try {
            return RowJson.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(line, e);
        }
    }
}
