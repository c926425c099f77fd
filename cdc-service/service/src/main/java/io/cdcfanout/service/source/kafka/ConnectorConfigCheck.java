package io.cdcfanout.service.source.kafka;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcfanout.service.engine.StartupException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * With {@code source.kafka.connector-url} set, reads the connector's configuration from Kafka Connect's REST API
 * ({@code GET <url>/config}) at start and refuses to run when it differs from the settings this mode relies on
 * ({@link ConnectorSettings}), naming each one. This sees what records cannot show ({@code skipped.operations},
 * the converters' options) before the first record is read.
 */
final class ConnectorConfigCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ConnectorConfigCheck() {}

    /** @throws StartupException when the configuration cannot be read or differs */
    static void check(String connectorUrl) {
        String url = connectorUrl.replaceAll("/+$", "") + "/config";
        Map<String, String> config;
        try {
            HttpResponse<String> response = HttpClient.newBuilder()
                    .connectTimeout(TIMEOUT)
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(TIMEOUT)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new StartupException("Kafka Connect answered " + response.statusCode() + " for " + url
                        + " (source.kafka.connector-url: the connector's URL, http://<worker>:8083/connectors/<name>): "
                        + response.body());
            }
            config = new ObjectMapper().readValue(response.body(), new TypeReference<Map<String, String>>() {});
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException(
                    "cannot read the connector's configuration from " + url + " (source.kafka.connector-url): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while reading " + url, e);
        }
        List<String> problems = ConnectorSettings.problems(config);
        if (!problems.isEmpty()) {
            throw new StartupException("the Debezium connector at " + connectorUrl + " is configured otherwise than"
                    + " this mode needs (compose/connect/cdc-fanout-source.json ships every setting right): "
                    + String.join("; ", problems));
        }
    }
}
