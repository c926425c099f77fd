package io.cdcfanout.service.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options and the client every command that asks a running sidecar shares ({@code @Mixin}). */
final class SidecarHttp {

    @Option(
            names = "--url",
            defaultValue = "http://127.0.0.1:8080",
            paramLabel = "URL",
            description = "base URL of the sidecar's HTTP API (default: ${DEFAULT-VALUE})")
    URI url;

    @Option(
            names = "--token",
            defaultValue = "${env:CDC_HTTP_TOKEN}",
            paramLabel = "TOKEN",
            description =
                    "bearer token (http.token); default: the environment variable CDC_HTTP_TOKEN, which keeps it out of the process list")
    String token;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A request without a body to {@code pathAndQuery}, with the token when one is given. */
    HttpResponse<String> send(String method, String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null && !token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
