package io.cdcfanout.sink.search;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one change of one table into a {@link DocumentWrite}: the document id, the version (LSN) and the
 * document, rendered with {@link RowJson} after the table's include/exclude lists, straight into the JSON
 * bytes the bulk request carries.
 *
 * <p>Every document carries an object field {@value #META_FIELD}:
 * {@code {"deleted": false, "version": <LSN as a number>, "lsn": "16/B374D848"}}; a delete becomes a
 * tombstone holding only {@code {"_cdc": {"deleted": true, ...}}}. A row with a column that would land on
 * that field ({@code _cdc} or {@code _cdc.*}) is refused rather than silently overwritten, so the metadata
 * can never clash with user data.
 */
final class DocumentMapper {

    static final String META_FIELD = "_cdc";
    static final String DELETED_FIELD = META_FIELD + ".deleted";
    static final String VERSION_FIELD = META_FIELD + ".version";

    private final String index;
    private final DocumentIdTemplate idTemplate;
    private final Set<String> include; // null: all columns
    private final Set<String> exclude;

    DocumentMapper(TableOptions options) {
        this.index = options.index();
        this.idTemplate = DocumentIdTemplate.parse(options.id());
        this.include = options.include() == null ? null : Set.copyOf(options.include());
        this.exclude = Set.copyOf(options.exclude());
    }

    String index() {
        return index;
    }

    /**
     * The document id of a change's row.
     *
     * @throws UnmappableChangeException when the id template does not fit the key or the id is too long
     */
    String documentId(ChangeEvent event) throws UnmappableChangeException {
        return documentId(event.key());
    }

    /** The document id of a row key; see {@link #documentId(ChangeEvent)}. */
    String documentId(RowKey key) throws UnmappableChangeException {
        String id;
        try {
            id = idTemplate.render(key);
        } catch (IllegalArgumentException e) {
            throw new UnmappableChangeException(e.getMessage());
        }
        if (id.getBytes(StandardCharsets.UTF_8).length > DocumentIdTemplate.MAX_ID_BYTES) {
            throw new UnmappableChangeException("document id is longer than " + DocumentIdTemplate.MAX_ID_BYTES
                    + " bytes, which Elasticsearch refuses; configure a shorter 'id' template");
        }
        if (id.isEmpty()) {
            throw new UnmappableChangeException("document id is empty; configure an 'id' template");
        }
        return id;
    }

    /**
     * The write for a snapshot row, insert, update or delete.
     *
     * @throws UnmappableChangeException when the change cannot become a document (reason for the dead letter)
     */
    DocumentWrite toWrite(ChangeEvent event) throws UnmappableChangeException {
        String id = documentId(event);
        long version = event.lsn().value();
        if (version < 0) {
            throw new UnmappableChangeException("LSN " + event.lsn() + " is beyond Elasticsearch's version range");
        }
        return switch (event.op()) {
            case DELETE -> new DocumentWrite(event, index, id, version, true, tombstone(event), Set.of());
            case SNAPSHOT, INSERT, UPDATE -> upsert(event, id, version);
            case TRUNCATE -> throw new IllegalArgumentException("a TRUNCATE is not a document write");
        };
    }

    /**
     * The write for the newest change of a document whose row's primary key was updated in the batch or just
     * before it ({@link KeyMoveImages}): an upsert of the image the batch computed, completed from the earlier
     * keys' documents; or, for the DELETE of the old key, a tombstone that keeps the row's last image.
     */
    DocumentWrite toWrite(ChangeEvent event, KeyMoveImages.Image image) throws UnmappableChangeException {
        if (event.op() == Operation.DELETE) {
            if (event.keyUpdate() == null) {
                return toWrite(event);
            }
            String id = documentId(event);
            List<KeyMoveImages.Origin> origins = image != null && image.moved()
                    ? image.origins()
                    : List.of(new KeyMoveImages.Origin(id, event.lsn().value())); // the document as it was before
            Row known = image == null ? null : image.row();
            if (known != null && known.isComplete()) {
                return new DocumentWrite(
                        event, index, id, event.lsn().value(), true, render(known, event, true), Set.of());
            }
            Set<String> unknown = known == null ? Set.of() : kept(known.unchangedToastColumns());
            byte[] source = known == null ? tombstone(event) : render(known, event, true);
            return new DocumentWrite(
                    event, index, id, event.lsn().value(), true, source, unknown, origins, known == null);
        }
        if (image == null || image.row() == null) {
            return toWrite(event);
        }
        DocumentWrite write = toWrite(event.withAfter(image.row()));
        return image.moved() && write.needsPreviousDocument()
                ? new DocumentWrite(
                        write.event(),
                        index,
                        write.id(),
                        write.version(),
                        false,
                        write.source(),
                        write.unknownColumns(),
                        image.origins(),
                        false)
                : write;
    }

    private Set<String> kept(Set<String> columns) {
        Set<String> kept = new LinkedHashSet<>();
        columns.stream().filter(this::keeps).forEach(kept::add);
        return kept;
    }

    /** A row's known, kept columns and the metadata; a tombstone keeps the row's image only for a key update. */
    private byte[] render(Row row, ChangeEvent event, boolean deleted) throws UnmappableChangeException {
        for (String column : row.values().keySet()) {
            if (keeps(column)) {
                checkNotReserved(column);
            }
        }
        return render(json -> {
            for (Map.Entry<String, Object> column : row.values().entrySet()) {
                if (keeps(column.getKey())) {
                    json.writeFieldName(column.getKey());
                    RowJson.write(json, column.getValue());
                }
            }
            writeMeta(json, event, deleted);
        });
    }

    private DocumentWrite upsert(ChangeEvent event, String id, long version) throws UnmappableChangeException {
        Row after = event.after();
        for (String column : after.values().keySet()) {
            if (keeps(column)) {
                checkNotReserved(column);
            }
        }
        Set<String> unknown = new LinkedHashSet<>();
        for (String column : after.unchangedToastColumns()) {
            if (keeps(column)) {
                checkNotReserved(column);
                unknown.add(column);
            }
        }
        byte[] source = render(json -> {
            for (Map.Entry<String, Object> column : after.values().entrySet()) {
                if (keeps(column.getKey())) {
                    json.writeFieldName(column.getKey());
                    RowJson.write(json, column.getValue());
                }
            }
            writeMeta(json, event, false);
        });
        return new DocumentWrite(event, index, id, version, false, source, unknown);
    }

    private boolean keeps(String column) {
        return (include == null || include.contains(column)) && !exclude.contains(column);
    }

    private static void checkNotReserved(String column) throws UnmappableChangeException {
        if (column.equals(META_FIELD) || column.startsWith(META_FIELD + ".")) {
            throw new UnmappableChangeException("column '" + column + "' clashes with the sink's metadata field '"
                    + META_FIELD + "'; add it to the table's 'exclude' list or rename it");
        }
    }

    /** The tombstone a TRUNCATE leaves for one document that existed before it (version = the TRUNCATE's LSN). */
    static DocumentWrite truncateTombstone(ChangeEvent truncate, String index, String id) {
        return new DocumentWrite(truncate, index, id, truncate.lsn().value(), true, tombstone(truncate), Set.of());
    }

    private static byte[] tombstone(ChangeEvent event) {
        return render(json -> writeMeta(json, event, true));
    }

    private static void writeMeta(JsonGenerator json, ChangeEvent event, boolean deleted) throws IOException {
        json.writeObjectFieldStart(META_FIELD);
        json.writeBooleanField("deleted", deleted);
        json.writeNumberField("version", event.lsn().value());
        json.writeStringField("lsn", event.lsn().toString());
        json.writeEndObject();
    }

    private interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    /** One JSON object with the given fields, as UTF-8 bytes. */
    private static byte[] render(Fields fields) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(512)) {
            try (JsonGenerator json = RowJson.MAPPER.createGenerator(bytes)) {
                json.writeStartObject();
                fields.write(json);
                json.writeEndObject();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render a document", e); // an in-memory buffer does not fail
        }
    }

    /** The sink's fields in every index it creates, so strict user mappings accept them. */
    /**
     * In an index a rebuild is filling: the columns an update left unknown (unchanged TOAST) because the index
     * had no previous document yet; the rebuild's chunk row of that key supplies them and removes the field.
     */
    static final String MISSING = "missing";

    static ObjectNode metaMapping() {
        ObjectNode properties = RowJson.MAPPER.createObjectNode();
        properties.putObject("deleted").put("type", "boolean");
        properties.putObject("version").put("type", "long");
        properties.putObject("lsn").put("type", "keyword");
        properties.putObject(MISSING).put("type", "keyword");
        properties.putObject("id").put("type", "keyword"); // view documents: the root key, for the sweep
        properties.putObject("key").put("type", "keyword");
        ObjectNode meta = RowJson.MAPPER.createObjectNode();
        meta.set("properties", properties);
        return meta;
    }

    /** A change that cannot become a document; the message is the dead-letter reason. */
    static final class UnmappableChangeException extends Exception {
        UnmappableChangeException(String message) {
            super(message);
        }
    }
}
