package io.cdcfanout.sink.search;

import io.cdcfanout.schema.ChangeEvent;
import java.util.List;
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
 * @param source         the document as UTF-8 JSON, including the {@value DocumentMapper#META_FIELD} metadata
 *                       object; rendered once, sent as it is
 * @param unknownColumns columns the change did not carry (unchanged TOAST) that must be copied from the
 *                       document already indexed before this write may go out; empty for most writes
 * @param origins        for a write whose row's primary key was updated: the documents of its earlier keys that
 *                       hold the unknown columns, nearest first ({@link KeyMoveImages}); empty otherwise, when
 *                       the write's own document holds them
 * @param copyAllColumns for the tombstone of a key update's DELETE: keep every column of the row's last image
 *                       (from the origins) in the tombstone, for the INSERT of the new key to copy
 */
@SuppressWarnings(
        "ArrayRecordComponent") // writes are never compared or hashed; source is rendered once and sent as it is
record DocumentWrite(
        ChangeEvent event,
        String index,
        String id,
        long version,
        boolean tombstone,
        byte[] source,
        Set<String> unknownColumns,
        List<KeyMoveImages.Origin> origins,
        boolean copyAllColumns) {

    DocumentWrite {
        unknownColumns = Set.copyOf(unknownColumns);
        origins = List.copyOf(origins);
    }

    DocumentWrite(
            ChangeEvent event,
            String index,
            String id,
            long version,
            boolean tombstone,
            byte[] source,
            Set<String> unknownColumns) {
        this(event, index, id, version, tombstone, source, unknownColumns, List.of(), false);
    }

    boolean needsPreviousDocument() {
        return !unknownColumns.isEmpty() || copyAllColumns;
    }

    /** True when the unknown columns come from the documents of the row's earlier keys. */
    boolean fromEarlierKeys() {
        return !origins.isEmpty();
    }

    /** The same write into another index (the concrete index a rebuild fills). */
    DocumentWrite withIndex(String target) {
        return new DocumentWrite(
                event, target, id, version, tombstone, source, unknownColumns, origins, copyAllColumns);
    }

    DocumentWrite withSource(byte[] completed) {
        return new DocumentWrite(event, index, id, version, tombstone, completed, Set.of());
    }

    /** Roughly what the write adds to a bulk request. */
    long sizeBytes() {
        return source.length + id.length() + BulkChunker.ACTION_OVERHEAD_BYTES;
    }
}
