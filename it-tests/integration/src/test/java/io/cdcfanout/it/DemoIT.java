package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.RowJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The demo jar, run as a newcomer would: it comes up on its own, serves reads, and Ctrl-C leaves nothing behind. */
class DemoIT {

    private static final Pattern RUN_DIR = Pattern.compile("in (/\\S+cdc-it-\\d+)");

    @Test
    void demoStartsServesAndStopsCleanlyOnSigint() throws Exception {
        Path jar = Path.of(System.getProperty("cdc.it.demo.jar", "../demo/target/cdc-fanout-demo.jar"));
        assertThat(jar).as("built by mvn package").exists();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // A process started from a non-interactive shell's background job inherits SIGINT as ignored, and the
        // JVM then cannot handle it; reset it to the default, as a terminal would have it, before exec.
        Process demo = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        String.valueOf(port))
                .redirectErrorStream(true)
                .start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        reader.start();
        try {
            Awaitility.await("demo ready")
                    .atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> output.stream().anyMatch(l -> l.contains("[demo] READY")) || !demo.isAlive());
            assertThat(demo.isAlive())
                    .as("demo running; output:\n" + String.join("\n", output))
                    .isTrue();
            String runDir = output.stream()
                    .map(RUN_DIR::matcher)
                    .filter(Matcher::find)
                    .map(m -> m.group(1))
                    .findFirst()
                    .orElseThrow();

            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port;
            JsonNode product = json(http, base + "/cache/public.products/1");
            assertThat(product.get("row").get("name").asText()).isEqualTo("product 1");
            JsonNode history = json(http, base + "/history/public.tax_rates/DE");
            assertThat(history.get("versions").get(0).get("data").has("rate")).isTrue();

            new ProcessBuilder("kill", "-INT", String.valueOf(demo.pid()))
                    .start()
                    .waitFor();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS))
                    .as("demo exits on SIGINT")
                    .isTrue();
            reader.join(5000);
            Process leftovers = new ProcessBuilder("pgrep", "-f", runDir + "/").start();
            leftovers.waitFor();
            assertThat(new String(leftovers.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim())
                    .as("processes of the demo's backends left running")
                    .isEmpty();
            assertThat(Files.exists(Path.of(runDir)))
                    .as("run directory deleted")
                    .isFalse();
        } finally {
            if (demo.isAlive()) {
                demo.destroyForcibly();
            }
        }
    }

    private static JsonNode json(HttpClient http, String url) throws Exception {
        HttpResponse<String> response =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + " -> " + response.body()).isEqualTo(200);
        return RowJson.MAPPER.readTree(response.body());
    }
}
