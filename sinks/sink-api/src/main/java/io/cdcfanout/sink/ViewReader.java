package io.cdcfanout.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Lsn;
import java.util.Map;
import java.util.Optional;

/** Reads the documents of views a sink holds; served over HTTP as {@code /cache/views/{view}/{key}}. */
public interface ViewReader {

    /** A view document and the version it was rendered at. */
    record ViewEntry(ObjectNode document, Lsn version) {}

    boolean servesView(String view);

    /**
     * The canonical key text of a root key written as column to text (an HTTP path or query string).
     *
     * @throws IllegalArgumentException for a missing key column or a value the column's type cannot read
     */
    String viewKeyText(String view, Map<String, String> key);

    /** The root key's columns, in key order. */
    java.util.List<String> viewKeyColumns(String view);

    Optional<ViewEntry> viewDocument(String view, String keyText);

    /** The source position up to which every change has been applied to the views. */
    Lsn appliedLsn();
}
