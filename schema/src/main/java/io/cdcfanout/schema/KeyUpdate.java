package io.cdcfanout.schema;

import java.util.Objects;

/**
 * An update of a row's primary key, which the source delivers as two changes at one LSN: a DELETE of
 * {@code oldKey}, then an INSERT of {@code newKey} (Debezium links them with the record headers
 * {@code __debezium.newkey} and {@code __debezium.oldkey}). Both changes carry it.
 *
 * <p>Why sinks need it: the INSERT's after image lacks the TOASTed columns the update did not change, like
 * any update's. Their values are in the row's last image under {@code oldKey}, which the DELETE just before
 * removed; a sink keeps that image until the INSERT has taken its columns.
 */
public record KeyUpdate(RowKey oldKey, RowKey newKey) {

    public KeyUpdate {
        Objects.requireNonNull(oldKey, "oldKey");
        Objects.requireNonNull(newKey, "newKey");
    }

    @Override
    public String toString() {
        return oldKey + " -> " + newKey;
    }
}
