package io.cdcfanout.it.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.Refresh;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import io.cdcfanout.sink.search.ElasticsearchSinkFactory;
import io.cdcfanout.sink.testkit.SinkContractTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The elasticsearch sink against the sink contract, on a real node; a new index per test. */
@ExtendWith(BackendsExtension.class)
class ElasticsearchSinkContractIT extends SinkContractTest {

    private final String url;
    private final EsDocs docs;
    private final String index = Backends.uniqueName("contract");

    ElasticsearchSinkContractIT(ElasticsearchBackend es) {
        this.url = es.url();
        this.docs = new EsDocs(url);
    }

    @AfterEach
    void deleteTheIndex() {
        docs.deleteIndex(index + "_v1");
        docs.send("DELETE", "/cdc-fanout-meta/_doc/" + index + "_v1", null);
    }

    @Override
    protected Sink newSink() {
        ElasticsearchSinkConfig config = new ElasticsearchSinkConfig(
                List.of(url),
                null,
                null,
                null,
                null,
                Map.of(TABLE, new TableOptions(index, null, null, null, null)),
                Refresh.WAIT_FOR,
                null,
                null);
        return new ElasticsearchSinkFactory()
                .create("search", config, new SinkContext(null, new SimpleMeterRegistry(), Clock.systemUTC()));
    }

    /** A realtime GET by id through the alias: a tombstone counts as no row; the sink's {@code _cdc} field is left out. */
    @Override
    protected Optional<JsonNode> readLive(TableId table, RowKey key) {
        JsonNode answer = docs.get(index, key.asText());
        if (!answer.path("found").asBoolean(false)) {
            return Optional.empty();
        }
        ObjectNode source = ((ObjectNode) answer.get("_source")).deepCopy();
        if (source.path("_cdc").path("deleted").asBoolean(false)) {
            return Optional.empty();
        }
        source.remove("_cdc");
        return Optional.of(source);
    }
}
