package io.cdcfanout.schema;

/** What a change did. {@link #SNAPSHOT} is a row read by the initial snapshot, not a write. */
public enum Operation {
    SNAPSHOT,
    INSERT,
    UPDATE,
    DELETE,
    /** Every row of the table went away; a TRUNCATE event carries no key and no images. */
    TRUNCATE;

    /** True for operations whose after-image is the row's new state. */
    public boolean hasAfterImage() {
        return this == SNAPSHOT || this == INSERT || this == UPDATE;
    }
}
