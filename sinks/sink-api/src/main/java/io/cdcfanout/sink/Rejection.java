package io.cdcfanout.sink;

import io.cdcfanout.schema.ChangeEvent;
import java.util.Objects;

/**
 * A change the backend refused for a reason retrying cannot fix (mapping conflict, value too large).
 *
 * @param event  the refused change
 * @param reason the backend's explanation, as a person should read it in the dead-letter table
 */
public record Rejection(ChangeEvent event, String reason) {

    public Rejection {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(reason, "reason");
    }
}
