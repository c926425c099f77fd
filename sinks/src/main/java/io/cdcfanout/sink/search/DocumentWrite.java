package io.cdcfanout.sink.search;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.ChangeEvent;
import java.util.Set;

/**
 * One document write derived from a change: an upsert of the row's image or a tombstone for a delete, both
 * indexed with {@code version = LSN}.
 *
 * @param event          the change it comes from (for rejections and metrics)
 * @param index          the configured index name (the alias)
 * @param id             the document id
 * @param version        the external version, the change's LSN value
 * @param tombstone      true for a delete: the source holds only the sink's metadata
 * @param source         the document, including the {@value DocumentMapper#META_FIELD} metadata object
 * @param unknownColumns columns the change did not carry (unchanged TOAST) that must be copied from the
 *                       document already indexed before this write may go out; empty for most writes
 */
record DocumentWrite(ChangeEvent event, String index, String id, long version, boolean tombstone, ObjectNode source,
                     Set<String> unknownColumns) {

    DocumentWrite {
        unknownColumns = Set.copyOf(unknownColumns);
    }

    boolean needsPreviousDocument() {
        return !unknownColumns.isEmpty();
    }

    DocumentWrite withSource(ObjectNode completed) {
        return new DocumentWrite(event, index, id, version, tombstone, completed, Set.of());
    }
}
