package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.sink.RetryableSinkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completed documents of a batch's moved rows (primary-key updates with unchanged TOAST columns), kept in
 * {@value IndexNames#META_INDEX} while the batch is written.
 *
 * <p>Why: such a write copies the unknown columns from the document of the row's earlier key, as that document
 * was before the batch. The same batch may overwrite that document (a key swap, or a new row taking the old key),
 * and a bulk request can fail halfway. On the replay the earlier key's document then shows the new row, and the
 * moved row's values would be gone. So the completed documents are stored here first, in one request that must
 * succeed whole, before any of the batch's writes goes out; a replay finds them by (index, id, version) and
 * writes them as they were computed. They are removed once the batch is written; a leftover one (a crash in
 * between) is never read again, since its write is then already applied at its version.
 */
final class KeyMoveStash {

    private static final Logger LOG = LoggerFactory.getLogger(KeyMoveStash.class);

    private final ElasticsearchClient client;

    KeyMoveStash(ElasticsearchClient client) {
        this.client = client;
    }

    /** The stash id of a write: fixed length, whatever the length of the document id. */
    static String idOf(DocumentWrite write) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(write.index().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(write.id().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(Long.toString(write.version()).getBytes(StandardCharsets.UTF_8));
            return "keymove-" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The stashed documents of these writes, by stash id; writes without one are absent. */
    Map<String, byte[]> find(List<DocumentWrite> writes) throws RetryableSinkException {
        Map<String, byte[]> found = new HashMap<>();
        if (writes.isEmpty()) {
            return found;
        }
        List<String> ids = writes.stream().map(KeyMoveStash::idOf).distinct().toList();
        MgetResponse<ObjectNode> response;
        try {
            response = client.mget(m -> m.index(IndexNames.META_INDEX).ids(ids).realtime(true), ObjectNode.class);
        } catch (ElasticsearchException | IOException e) {
            throw new RetryableSinkException("cannot read stashed documents of moved rows: " + describe(e), e);
        }
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isFailure()) {
                throw new RetryableSinkException(
                        "cannot read stashed document " + item.failure().id() + ": "
                                + ElasticsearchErrors.describe(item.failure().error()));
            }
            JsonNode document = item.result().found() && item.result().source() != null
                    ? item.result().source().get("document")
                    : null;
            if (document != null && document.isObject()) {
                found.put(item.result().id(), render(document));
            }
        }
        return found;
    }

    /** Stores the completed writes; returns only when every one is stored. */
    void put(List<DocumentWrite> completed) throws RetryableSinkException {
        if (completed.isEmpty()) {
            return;
        }
        List<BulkOperation> operations = new ArrayList<>(completed.size());
        for (DocumentWrite write : completed) {
            ObjectNode entry = RowJson.MAPPER.createObjectNode();
            entry.put("index", write.index());
            entry.put("id", write.id());
            entry.put("version", write.version());
            entry.set("document", parse(write.source()));
            operations.add(BulkOperation.of(b ->
                    b.index(i -> i.index(IndexNames.META_INDEX).id(idOf(write)).document(entry))));
        }
        BulkResponse response;
        try {
            response = client.bulk(b -> b.operations(operations));
        } catch (ElasticsearchException | IOException e) {
            throw new RetryableSinkException("cannot stash the documents of moved rows: " + describe(e), e);
        }
        if (response.errors()) {
            String first = response.items().stream()
                    .filter(i -> i.error() != null)
                    .map(BulkResponseItem::error)
                    .map(ElasticsearchErrors::describe)
                    .findFirst()
                    .orElse("unknown");
            throw new RetryableSinkException("cannot stash the documents of moved rows: " + first);
        }
    }

    /** Removes stashed documents whose writes are applied. Best effort: a leftover is harmless. */
    void remove(Collection<DocumentWrite> applied) {
        if (applied.isEmpty()) {
            return;
        }
        List<BulkOperation> operations = applied.stream()
                .map(KeyMoveStash::idOf)
                .distinct()
                .map(id -> BulkOperation.of(
                        b -> b.delete(d -> d.index(IndexNames.META_INDEX).id(id))))
                .toList();
        try {
            client.bulk(b -> b.operations(operations));
        } catch (ElasticsearchException | IOException e) {
            LOG.debug("could not remove {} stashed document(s) of moved rows: {}", operations.size(), describe(e));
        }
    }

    private static String describe(Exception e) {
        return e instanceof ElasticsearchException es ? ElasticsearchErrors.describe(es) : e.toString();
    }

    private static ObjectNode parse(byte[] source) {
        try {
            return (ObjectNode) RowJson.MAPPER.readTree(source);
        } catch (IOException e) {
            throw new IllegalStateException("the sink's own document does not parse", e);
        }
    }

    private static byte[] render(JsonNode document) {
        try {
            return RowJson.MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new IllegalStateException("a parsed document does not render", e);
        }
    }
}
