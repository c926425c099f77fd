package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.search.BulkWriter.ItemResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a TRUNCATE at LSN {@code T} to one index: every live document older than {@code T} is replaced by
 * a tombstone with version {@code T}, page by page through a point-in-time search. Like a delete, this
 * leaves nothing a replayed older change could overwrite.
 *
 * <p>Why tombstones and not delete-by-query: delete-by-query forgets versions like any delete, and it lives
 * in Elasticsearch's reindex module, which minimal distributions leave out; search and bulk are always
 * there. Documents written after the TRUNCATE have versions above {@code T} and are neither found nor
 * overwritten, so a replayed TRUNCATE is harmless.
 */
final class TableTruncator {

    static final int PAGE_SIZE = 1000;
    private static final String KEEP_ALIVE = "2m";

    private final ElasticsearchClient client;
    private final BulkWriter writer;

    TableTruncator(ElasticsearchClient client, BulkWriter writer) {
        this.client = client;
        this.writer = writer;
    }

    /**
     * @param truncate the TRUNCATE change
     * @param alias    the configured index name
     * @return the results of the tombstone writes (rejections possible, in theory)
     * @throws IOException when Elasticsearch cannot be reached (the caller turns both into retries)
     */
    List<ItemResult> truncate(ChangeEvent truncate, String alias) throws IOException, RetryableSinkException {
        long version = truncate.lsn().value();
        // the point in time sees only refreshed documents; earlier batches may not be refreshed yet
        client.indices().refresh(r -> r.index(alias));
        String pit = client.openPointInTime(p -> p.index(alias).keepAlive(k -> k.time(KEEP_ALIVE)))
                .id();
        List<ItemResult> results = new ArrayList<>();
        try {
            List<FieldValue> after = null;
            while (true) {
                List<FieldValue> searchAfter = after;
                SearchResponse<Void> page = client.search(
                        s -> {
                            s.pit(p -> p.id(pit).keepAlive(k -> k.time(KEEP_ALIVE)))
                                    .size(PAGE_SIZE)
                                    .source(src -> src.fetch(false))
                                    .trackTotalHits(t -> t.enabled(false))
                                    .query(q -> q.bool(b -> b.filter(f ->
                                                    f.range(r -> r.longNumber(n -> n.field(DocumentMapper.VERSION_FIELD)
                                                            .lt(version))))
                                            .mustNot(m -> m.term(t -> t.field(DocumentMapper.DELETED_FIELD)
                                                    .value(true)))))
                                    .sort(so ->
                                            so.field(f -> f.field("_shard_doc").order(SortOrder.Asc)));
                            if (searchAfter != null) {
                                s.searchAfter(searchAfter);
                            }
                            return s;
                        },
                        Void.class);
                List<Hit<Void>> hits = page.hits().hits();
                if (hits.isEmpty()) {
                    return results;
                }
                List<DocumentWrite> tombstones = hits.stream()
                        .map(hit -> DocumentMapper.truncateTombstone(truncate, alias, hit.id()))
                        .toList();
                results.addAll(writer.write(tombstones));
                after = hits.get(hits.size() - 1).sort();
            }
        } finally {
            try {
                client.closePointInTime(c -> c.id(pit));
            } catch (IOException | RuntimeException e) {
                // it expires by itself after KEEP_ALIVE
            }
        }
    }
}
