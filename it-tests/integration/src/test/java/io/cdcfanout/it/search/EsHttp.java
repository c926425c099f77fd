package io.cdcfanout.it.search;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;

/** Plain HTTP to Elasticsearch for test assertions, independent of the client the sink uses. */
final class EsHttp {

    /** Exact decimals, so a test sees what was stored, not a double's rounding of it. */
    private static final JsonMapper MAPPER = RowJson.MAPPER.rebuild().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private final String url;
    private final HttpClient http = HttpClient.newHttpClient();

    EsHttp(String url) {
        this.url = url;
    }

    JsonNode send(String method, String path, String body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).header("content-type", "application/json");
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return response.body().isEmpty() ? MAPPER.nullNode() : MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** JSON text as this class reads Elasticsearch's answers, so numbers compare by the same node types. */
    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    void refresh(String index) {
        send("POST", "/" + index + "/_refresh", null);
    }

    /** What a search through the alias returns: id to source, after a refresh. */
    Map<String, JsonNode> searchAll(String alias) {
        refresh(alias);
        JsonNode hits = send("POST", "/" + alias + "/_search", "{\"size\": 1000, \"query\": {\"match_all\": {}}}").path("hits").path("hits");
        Map<String, JsonNode> docs = new TreeMap<>();
        hits.forEach(hit -> docs.put(hit.get("_id").asText(), hit.get("_source")));
        return docs;
    }

    /** A GET by id: ignores the alias filter, so it shows tombstones. */
    JsonNode get(String index, String id) {
        return send("GET", "/" + index + "/_doc/" + id, null);
    }

    void deleteIndex(String concreteIndex) {
        if (concreteIndex == null || concreteIndex.isBlank() || concreteIndex.contains("*")) {
            throw new IllegalArgumentException("refusing to delete '" + concreteIndex + "'");
        }
        send("DELETE", "/" + concreteIndex, null);
    }
}
