package io.cdcfanout.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** {@code /sinks/{sink}/rebuild} of a running service, as the rebuild tests call it. */
public final class RebuildCalls {

    private final RunningService service;
    private final String sink;

    public RebuildCalls(RunningService service, String sink) {
        this.service = service;
        this.sink = sink;
    }

    /** {@code POST} with {@code query} ({@code ?table=...&...}); asserts 202 and returns the queued ids. */
    public List<Long> queue(String query) throws IOException {
        HttpResponse<String> queued = service.send("POST", "/sinks/" + sink + "/rebuild" + query);
        assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
        List<Long> ids = new ArrayList<>();
        RowJson.MAPPER
                .readTree(queued.body())
                .path("rebuilds")
                .forEach(r -> ids.add(r.path("id").asLong()));
        return ids;
    }

    /** The rebuild with this id, as {@code GET} lists it. */
    public JsonNode rebuild(long id) {
        JsonNode all = service.getJson("/sinks/" + sink + "/rebuild").path("rebuilds");
        for (JsonNode r : all) {
            if (r.path("id").asLong() == id) {
                return r;
            }
        }
        throw new AssertionError("no rebuild #" + id + " in " + all);
    }

    /** Waits until every one of {@code ids} is DONE, CANCELLED or FAILED; returns them in that order. */
    public ArrayNode awaitFinal(List<Long> ids) {
        ArrayNode out = RowJson.MAPPER.createArrayNode();
        Awaitility.await("rebuilds " + ids + " finished")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    out.removeAll();
                    for (long id : ids) {
                        JsonNode r = rebuild(id);
                        if (!List.of("DONE", "FAILED", "CANCELLED")
                                .contains(r.path("phase").asText())) {
                            return false;
                        }
                        out.add(r);
                    }
                    return true;
                });
        return out;
    }
}
