package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Reads and writes Elasticsearch over plain HTTP, independent of the client the sink uses. */
public final class EsDocs {

    /** Exact decimals, so a test sees what was stored, not a double's rounding of it. */
    private static final JsonMapper MAPPER = RowJson.MAPPER
            .rebuild()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private final String url;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public EsDocs(String url) {
        this.url = url.replaceAll("/+$", "");
    }

    public JsonNode send(String method, String path, String body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/json");
            request.method(
                    method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return response.body().isEmpty() ? MAPPER.nullNode() : MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** JSON text as this class reads Elasticsearch's answers, so numbers compare by the same node types. */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public void refresh(String index) {
        send("POST", "/" + index + "/_refresh", null);
    }

    /** A GET by id (realtime): ignores alias filters, so it shows tombstones; {@code found} says whether it exists. */
    public JsonNode get(String index, String id) {
        return send("GET", "/" + index + "/_doc/" + id, null);
    }

    /**
     * The live documents a search through {@code index} (the sink's filtered alias, or a plain index) finds,
     * id to source, after a refresh. Fails if a tombstone shows up: the alias must hide them.
     */
    public Map<String, JsonNode> live(String index) {
        refresh(index);
        JsonNode answer = send("POST", "/" + index + "/_search", "{\"size\": 10000, \"query\": {\"match_all\": {}}}");
        if (!answer.has("hits")) {
            throw new IllegalStateException("search on " + index + " failed: " + answer);
        }
        Map<String, JsonNode> docs = new TreeMap<>();
        for (JsonNode hit : answer.path("hits").path("hits")) {
            JsonNode source = hit.get("_source");
            if (source.path("_cdc").path("deleted").asBoolean(false)) {
                throw new IllegalStateException("search on " + index + " returned tombstone " + hit);
            }
            docs.put(hit.get("_id").asText(), source);
        }
        return docs;
    }

    /** Live documents as normalised rows (see {@link Rows}). */
    public Map<String, Map<String, String>> liveRows(String index) {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        live(index).forEach((id, doc) -> rows.put(id, Rows.fromJson(doc)));
        return rows;
    }

    public void put(String index, String id, String json) {
        JsonNode answer = send("PUT", "/" + index + "/_doc/" + id, json);
        if (!answer.has("result")) {
            throw new IllegalStateException("index " + index + "/" + id + " failed: " + answer);
        }
    }

    public void delete(String index, String id) {
        send("DELETE", "/" + index + "/_doc/" + id, null);
    }

    /** Deletes a concrete index (never a pattern). */
    public void deleteIndex(String concreteIndex) {
        if (concreteIndex == null
                || concreteIndex.isBlank()
                || concreteIndex.contains("*")
                || concreteIndex.contains(",")) {
            throw new IllegalArgumentException("refusing to delete '" + concreteIndex + "'");
        }
        send("DELETE", "/" + concreteIndex, null);
    }
}
