package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Completes updates whose unchanged TOAST columns Postgres did not send, by copying those columns from the
 * document already indexed (fetch-merge), so the update can still be a full {@code index} action with an
 * external version.
 *
 * <p>Why not a partial update or a script: Elasticsearch's update API does not take external versions, so
 * it could not be made replay-safe. Fetch-merge is safe here because one sink lane is the only writer of
 * its indexes and writes to one document never run in parallel: nothing can change the document between
 * the realtime multi-get and the versioned write. If the fetched document is already newer than the
 * update, the update is stale and is skipped. If there is no live previous document to copy from (never
 * indexed, rejected earlier, deleted), the change is rejected rather than indexed without the column.
 *
 * <p>After an update of the primary key the values are in the documents of the row's earlier keys
 * ({@link DocumentWrite#origins()}, see {@link KeyMoveImages}): an origin qualifies when it still shows the row
 * as it was when the key moved, i.e. it is live and older than the move, or it is the tombstone the move's
 * DELETE wrote, which keeps the row's last image for exactly this (a tombstone holds only {@code _cdc} otherwise).
 * If the write's own document is already at its version or newer, the write is a replay or stale and is
 * skipped. If no origin qualifies, an INSERT is rejected; a DELETE's tombstone is written without the image
 * (the row is gone either way).
 */
final class ToastMerger {

    /**
     * @param ready      writes that can be sent (completed or untouched)
     * @param rejections changes that cannot be completed
     * @param stale      writes dropped because the index already holds a newer version
     * @param stashed    the writes of moved rows whose documents may be in the {@link KeyMoveStash}; remove them
     *                   from there once the ready writes are applied
     */
    record Result(
            List<DocumentWrite> ready,
            List<Rejection> rejections,
            List<DocumentWrite> stale,
            List<DocumentWrite> stashed) {}

    /**
     * Writes completed from one multi-get. A batch can hold 8,192 updates of 10 kB TOAST values: one request for
     * all of them would buffer and parse 80 MB at once (it ran a 1 GB heap out of memory); a page of 256 keeps
     * a response to a few MB whatever the batch size, and costs a round trip per page.
     */
    static final int PAGE = 256;

    private final ElasticsearchClient client;
    private final KeyMoveStash stash;

    ToastMerger(ElasticsearchClient client) {
        this.client = client;
        this.stash = new KeyMoveStash(client);
    }

    Result complete(List<DocumentWrite> writes) throws RetryableSinkException {
        return complete(writes, false);
    }

    /**
     * @param partialAllowed for an index a rebuild is filling: a write with nothing to copy its unknown columns
     *                       from is written without them, listed in {@code _cdc.missing}, instead of rejected; the
     *                       rebuild's chunk row of that key fills them in
     */
    Result complete(List<DocumentWrite> writes, boolean partialAllowed) throws RetryableSinkException {
        List<DocumentWrite> ready = new ArrayList<>(writes.size());
        List<Rejection> rejections = new ArrayList<>();
        List<DocumentWrite> stale = new ArrayList<>();
        Map<String, List<DocumentWrite>> incompleteByIndex = new LinkedHashMap<>();
        List<DocumentWrite> moved = new ArrayList<>();
        for (DocumentWrite write : writes) {
            if (write.needsPreviousDocument()) {
                incompleteByIndex
                        .computeIfAbsent(write.index(), k -> new ArrayList<>())
                        .add(write);
                if (write.fromEarlierKeys()) {
                    moved.add(write);
                }
            } else {
                ready.add(write);
            }
        }
        Map<String, byte[]> stashed = stash.find(moved);
        List<DocumentWrite> completedMoves = new ArrayList<>();
        for (Map.Entry<String, List<DocumentWrite>> e : incompleteByIndex.entrySet()) {
            List<DocumentWrite> all = e.getValue();
            for (int from = 0; from < all.size(); from += PAGE) {
                List<DocumentWrite> page = all.subList(from, Math.min(all.size(), from + PAGE));
                completePage(e.getKey(), page, partialAllowed, stashed, ready, rejections, stale, completedMoves);
            }
        }
        stash.put(completedMoves.stream()
                .filter(w -> !stashed.containsKey(KeyMoveStash.idOf(w)))
                .toList());
        return new Result(
                ready, rejections, stale, moved); // also the stale ones: an earlier attempt may have stashed them
    }

    /** Completes one page of an index's writes from one multi-get; see {@link #PAGE}. */
    private void completePage(
            String index,
            List<DocumentWrite> page,
            boolean partialAllowed,
            Map<String, byte[]> stashed,
            List<DocumentWrite> ready,
            List<Rejection> rejections,
            List<DocumentWrite> stale,
            List<DocumentWrite> completedMoves)
            throws RetryableSinkException {
        Map<String, GetResult<ObjectNode>> previous = fetch(index, page);
        for (DocumentWrite write : page) {
            if (write.fromEarlierKeys()) {
                int rejected = rejections.size();
                completeFromEarlierKeys(
                        write,
                        previous,
                        stashed.get(KeyMoveStash.idOf(write)),
                        ready,
                        rejections,
                        stale,
                        completedMoves);
                if (partialAllowed && rejections.size() > rejected) {
                    rejections.remove(rejections.size() - 1);
                    ready.add(partial(write, parse(write.source()), write.unknownColumns()));
                }
                continue;
            }
            GetResult<ObjectNode> found = previous.get(write.id());
            String problem = null;
            if (found == null || !found.found() || found.source() == null) {
                if (partialAllowed) {
                    ready.add(partial(write, parse(write.source()), write.unknownColumns()));
                    continue;
                }
                problem = "no previous document to copy them from";
            } else if (found.version() != null && found.version() > write.version()) {
                stale.add(write);
                continue;
            } else if (found.source()
                    .path(DocumentMapper.META_FIELD)
                    .path("deleted")
                    .asBoolean(false)) {
                problem = "the previous document is a delete tombstone";
            } else {
                ObjectNode merged = parse(write.source());
                List<String> missing = new ArrayList<>();
                for (String column : write.unknownColumns()) {
                    JsonNode value = found.source().get(column);
                    if (value == null) {
                        missing.add(column);
                    } else {
                        merged.set(column, value);
                    }
                }
                if (missing.isEmpty()) {
                    ready.add(write.withSource(render(merged)));
                    continue;
                }
                if (partialAllowed) {
                    ready.add(partial(write, merged, missing));
                    continue;
                }
                problem = "the previous document lacks " + missing;
            }
            rejections.add(new Rejection(
                    write.event(),
                    "unchanged TOAST column(s) " + write.unknownColumns()
                            + " were not sent by Postgres and " + problem
                            + "; the update cannot be indexed without erasing them."
                            + " Set REPLICA IDENTITY FULL on the table, or re-snapshot it"));
        }
    }

    /** The write without the columns nobody knows yet, which {@code _cdc.missing} lists. */
    private static DocumentWrite partial(DocumentWrite write, ObjectNode known, java.util.Collection<String> missing) {
        ObjectNode meta = known.get(DocumentMapper.META_FIELD) instanceof ObjectNode m
                ? m
                : known.putObject(DocumentMapper.META_FIELD);
        var list = meta.putArray(DocumentMapper.MISSING);
        missing.stream().sorted().forEach(list::add);
        return write.withSource(render(known));
    }

    /** Removes the stashed documents of a result whose writes are all applied. */
    void applied(Result result) {
        stash.remove(result.stashed());
    }

    private static void completeFromEarlierKeys(
            DocumentWrite write,
            Map<String, GetResult<ObjectNode>> documents,
            byte[] stashed,
            List<DocumentWrite> ready,
            List<Rejection> rejections,
            List<DocumentWrite> stale,
            List<DocumentWrite> completedMoves) {
        GetResult<ObjectNode> own = documents.get(write.id());
        if (own != null && own.found() && own.version() != null && own.version() >= write.version()) {
            stale.add(write); // written by this very change before (a replay), or by a newer one
            return;
        }
        if (stashed != null) {
            // an earlier attempt completed it, then failed before writing it: its origins may be overwritten since
            DocumentWrite completed = write.withSource(stashed);
            ready.add(completed);
            completedMoves.add(completed);
            return;
        }
        for (KeyMoveImages.Origin origin : write.origins()) {
            ObjectNode image = imageAsOf(documents.get(origin.id()), origin.asOf());
            if (image == null) {
                continue;
            }
            ObjectNode merged = parse(write.source());
            Iterable<String> columns = write.copyAllColumns() ? image::fieldNames : write.unknownColumns();
            boolean complete = true;
            for (String column : columns) {
                if (column.equals(DocumentMapper.META_FIELD)) {
                    continue;
                }
                JsonNode value = image.get(column);
                if (value == null) {
                    complete = false;
                } else if (!merged.has(column)) {
                    merged.set(column, value);
                }
            }
            if (complete) {
                DocumentWrite completed = write.withSource(render(merged));
                ready.add(completed);
                completedMoves.add(completed);
                return;
            }
        }
        if (write.tombstone()) {
            ready.add(write.withSource(render(tombstoneOnly(parse(write.source()))))); // the delete must happen anyway
            return;
        }
        rejections.add(
                new Rejection(
                        write.event(),
                        "unchanged TOAST column(s) " + write.unknownColumns() + " were not sent by Postgres"
                                + " for this update of the primary key ("
                                + write.event().keyUpdate() + "), and no document of an earlier key "
                                + write.origins().stream()
                                        .map(KeyMoveImages.Origin::id)
                                        .toList() + " still holds the row as it was when the key moved;"
                                + " the row cannot be indexed without erasing them. Set REPLICA IDENTITY FULL on the table, or re-snapshot it"));
    }

    /** The source of a document that shows the row as of LSN {@code asOf}, else null. */
    private static ObjectNode imageAsOf(GetResult<ObjectNode> found, long asOf) {
        if (found == null || !found.found() || found.source() == null || found.version() == null) {
            return null;
        }
        boolean deleted =
                found.source().path(DocumentMapper.META_FIELD).path("deleted").asBoolean(false);
        if (!deleted && found.version() < asOf) {
            return found.source();
        }
        // the tombstone the key update's DELETE wrote, with the row's last image (more fields than _cdc)
        return deleted && found.version() == asOf && found.source().size() > 1 ? found.source() : null;
    }

    private static ObjectNode tombstoneOnly(ObjectNode document) {
        ObjectNode tombstone = RowJson.MAPPER.createObjectNode();
        tombstone.set(DocumentMapper.META_FIELD, document.get(DocumentMapper.META_FIELD));
        return tombstone;
    }

    // the document is one the sink rendered itself; neither direction can fail on it
    private static ObjectNode parse(byte[] source) {
        try {
            return (ObjectNode) RowJson.MAPPER.readTree(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] render(ObjectNode document) {
        try {
            return RowJson.MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, GetResult<ObjectNode>> fetch(String index, List<DocumentWrite> writes)
            throws RetryableSinkException {
        java.util.Set<String> unique = new java.util.LinkedHashSet<>();
        for (DocumentWrite write : writes) {
            unique.add(write.id());
            write.origins().forEach(origin -> unique.add(origin.id()));
        }
        List<String> ids = List.copyOf(unique);
        MgetResponse<ObjectNode> response;
        try {
            // realtime (the default): sees writes of earlier batches that are not refreshed yet. The whole
            // source, not a filtered one: filtering makes Elasticsearch re-render it, rounding exact numbers.
            response = client.mget(m -> m.index(index).ids(ids).realtime(true), ObjectNode.class);
        } catch (ElasticsearchException e) {
            throw new RetryableSinkException(
                    "cannot read previous documents of '" + index + "' for unchanged TOAST columns: "
                            + ElasticsearchErrors.describe(e),
                    e);
        } catch (IOException e) {
            throw new RetryableSinkException(
                    "cannot reach Elasticsearch to read previous documents of '" + index + "': " + e, e);
        }
        Map<String, GetResult<ObjectNode>> byId = new LinkedHashMap<>();
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isFailure()) {
                throw new RetryableSinkException("cannot read previous document " + index + "/"
                        + item.failure().id() + ": "
                        + ElasticsearchErrors.describe(item.failure().error()));
            }
            byId.put(item.result().id(), item.result());
        }
        return byId;
    }
}
