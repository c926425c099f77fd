package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.TableId;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable per-index TRUNCATE watermark: after a TRUNCATE at LSN {@code T}, every change of that table
 * with an LSN below {@code T} is obsolete and is dropped, also when a replay brings it again after the
 * documents were deleted. Kept as one document per configured index name in
 * {@value IndexNames#META_INDEX}, written with {@code version=T, version_type=external_gte} so the stored
 * watermark only ever grows, whoever writes it and however often.
 */
final class TruncateWatermarks {

    private final ElasticsearchClient client;

    TruncateWatermarks(ElasticsearchClient client) {
        this.client = client;
    }

    /** The stored watermarks of these index names; names without a TRUNCATE yet are absent. */
    Map<String, Lsn> load(Collection<String> indexes) throws IOException {
        Map<String, Lsn> found = new HashMap<>();
        if (indexes.isEmpty()) {
            return found;
        }
        MgetResponse<ObjectNode> response =
                client.mget(m -> m.index(IndexNames.META_INDEX).ids(List.copyOf(indexes)), ObjectNode.class);
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isFailure()) {
                throw new IOException(
                        "cannot read TRUNCATE watermark " + item.failure().id() + ": "
                                + ElasticsearchErrors.describe(item.failure().error()));
            }
            if (item.result().found() && item.result().version() != null) {
                found.put(item.result().id(), new Lsn(item.result().version()));
            }
        }
        return found;
    }

    /** Stores {@code lsn} as the index's watermark unless a higher one is stored already. */
    void record(String index, TableId table, Lsn lsn) throws IOException {
        ObjectNode doc = RowJson.MAPPER.createObjectNode();
        doc.put("index", index);
        doc.put("table", table.toString());
        doc.put("truncated_before_lsn", lsn.toString());
        doc.put("truncated_before_version", lsn.value());
        try {
            client.index(i -> i.index(IndexNames.META_INDEX)
                    .id(index)
                    .version(lsn.value())
                    .versionType(VersionType.ExternalGte)
                    .document(doc));
        } catch (ElasticsearchException e) {
            if (e.status() != 409) {
                throw e;
            }
            // a newer TRUNCATE is already recorded: nothing to do
        }
    }
}
