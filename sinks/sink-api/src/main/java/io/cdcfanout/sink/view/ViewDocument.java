package io.cdcfanout.sink.view;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Row;
import java.util.List;

/**
 * One rendered document of a view.
 *
 * @param id       the root key's canonical text ({@link io.cdcfanout.schema.RowKey#asText()}), the document id
 * @param keyTexts the root key's values as canonical texts, in key order
 * @param root     the root row as the service may show it; null when the root row no longer exists
 * @param document the joined document; null when the root row no longer exists (the document is deleted)
 */
public record ViewDocument(String id, List<String> keyTexts, Row root, ObjectNode document) {

    public boolean deleted() {
        return document == null;
    }
}
