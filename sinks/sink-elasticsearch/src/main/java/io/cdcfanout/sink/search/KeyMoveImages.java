package io.cdcfanout.sink.search;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a batch's updates of primary keys leave in each document, computed before the batch is coalesced.
 *
 * <p>An update of a key arrives as a DELETE of the old key and an INSERT of the new one
 * ({@link ChangeEvent#keyUpdate()}) whose unchanged TOAST columns are unknown. Their values are in the row's
 * image under the old key: in the batch itself when an earlier change of the batch wrote that key (merged here,
 * in commit order, so chains like a swap through a temporary key work), else in the old key's document as it was
 * when the key moved. That document is an {@link Origin}; a chain of moves gives several, nearest first.
 *
 * <p>The DELETE of an old key leaves a tombstone that keeps the row's last image (see {@link ToastMerger}), so
 * an INSERT applied in a later batch, or replayed, still finds the values.
 */
final class KeyMoveImages {

    /**
     * A document that holds a row's unknown columns: its state as of LSN {@code asOf}, i.e. a live version older
     * than {@code asOf}, or the tombstone (with the row's last image) written at {@code asOf} when the key moved.
     */
    record Origin(String id, long asOf) {}

    /**
     * A document's image at the end of the batch.
     *
     * @param row     what the batch knows of the row, unknown columns included; null when only the document
     *                already indexed knows it
     * @param origins where the unknown columns are, nearest first; empty when only the document's own
     *                indexed version holds them (no key moved)
     */
    record Image(Row row, List<Origin> origins) {
        Image {
            origins = List.copyOf(origins);
        }

        boolean moved() {
            return !origins.isEmpty();
        }
    }

    /** The document id of a key of a table; null when the key cannot become an id. */
    interface DocumentIds {
        String idOf(TableId table, RowKey key);
    }

    private record DocRef(TableId table, String id) {}

    static final KeyMoveImages NONE = new KeyMoveImages(Map.of());

    private final Map<DocRef, Image> images;
    private final Set<DocRef> origins = new HashSet<>();

    private KeyMoveImages(Map<DocRef, Image> images) {
        this.images = images;
        images.forEach((ref, image) -> image.origins().forEach(o -> origins.add(new DocRef(ref.table(), o.id()))));
    }

    /**
     * True when the document may hold the unknown columns of another document of the batch: it must not be
     * written before those have been read.
     */
    boolean isOrigin(TableId table, String id) {
        return !origins.isEmpty() && origins.contains(new DocRef(table, id));
    }

    /**
     * @param events row changes (no TRUNCATE), in commit order
     * @param ids    the document id of a key
     */
    static KeyMoveImages of(List<ChangeEvent> events, DocumentIds ids) {
        if (events.stream().noneMatch(e -> e.keyUpdate() != null)) {
            return NONE; // the common batch: nothing to compute
        }
        Map<DocRef, Image> images = new HashMap<>();
        for (ChangeEvent event : events) {
            String id = ids.idOf(event.table(), event.key());
            if (id == null) {
                continue;
            }
            DocRef ref = new DocRef(event.table(), id);
            switch (event.op()) {
                case DELETE -> images.putIfAbsent(ref, new Image(null, List.of())); // the last image stays, for moves
                case SNAPSHOT, INSERT, UPDATE -> images.put(ref, imageAfter(event, images.get(ref), images, ids));
                case TRUNCATE -> throw new IllegalArgumentException("TRUNCATE is not a row change: " + event);
            }
        }
        return new KeyMoveImages(images);
    }

    private static Image imageAfter(ChangeEvent event, Image own, Map<DocRef, Image> images, DocumentIds ids) {
        Row after = event.after();
        RowKey previousKey = event.previousKey();
        String previousId = previousKey == null ? null : ids.idOf(event.table(), previousKey);
        if (previousId == null) {
            if (after.isComplete() || own == null) {
                return new Image(after, List.of());
            }
            return new Image(own.row() == null ? after : after.mergedOnto(own.row()), own.origins());
        }
        List<Origin> origins = new ArrayList<>();
        origins.add(new Origin(previousId, event.lsn().value()));
        Image base = images.get(new DocRef(event.table(), previousId));
        Row row = after;
        if (base != null) {
            row = base.row() == null ? after : after.mergedOnto(base.row());
            origins.addAll(base.origins());
        }
        return new Image(row, row.isComplete() ? List.of() : origins);
    }

    /** The image of the document a change (the newest of its document in the batch) writes; null if none computed. */
    Image of(ChangeEvent newest, DocumentIds ids) {
        if (images.isEmpty()) {
            return null;
        }
        String id = ids.idOf(newest.table(), newest.key());
        return id == null ? null : images.get(new DocRef(newest.table(), id));
    }
}
