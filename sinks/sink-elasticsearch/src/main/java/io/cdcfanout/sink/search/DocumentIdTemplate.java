package io.cdcfanout.sink.search;

import io.cdcfanout.schema.KeyCodec;
import io.cdcfanout.schema.RowKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a row key as a document id. Without a template the id is {@link RowKey#asText()}; a template such
 * as {@code "{tenant_id}:{sku}"} replaces each {@code {column}} with that key column's canonical value text
 * ({@link KeyCodec#valueText}), unescaped: such ids are only as distinct as the template keeps them. Only key
 * columns may appear: an id built from a non-key column would change with the row and leave stale documents.
 */
final class DocumentIdTemplate {

    /** Elasticsearch refuses longer ids. */
    static final int MAX_ID_BYTES = 512;

    private static final DocumentIdTemplate CANONICAL = new DocumentIdTemplate(null, List.of());

    private final String template;
    private final List<String> parts; // even indexes: literal text, odd indexes: column names

    private DocumentIdTemplate(String template, List<String> parts) {
        this.template = template;
        this.parts = parts;
    }

    static DocumentIdTemplate canonical() {
        return CANONICAL;
    }

    /** @throws IllegalArgumentException for unbalanced braces or a template without a placeholder */
    static DocumentIdTemplate parse(String template) {
        if (template == null) {
            return CANONICAL;
        }
        List<String> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                int close = template.indexOf('}', i);
                String column = close < 0 ? "" : template.substring(i + 1, close);
                if (close < 0 || column.isEmpty() || column.contains("{")) {
                    throw new IllegalArgumentException("elasticsearch sink: id template '" + template
                            + "' has an unclosed or empty {column} placeholder");
                }
                parts.add(literal.toString());
                parts.add(column);
                literal.setLength(0);
                i = close + 1;
            } else if (c == '}') {
                throw new IllegalArgumentException(
                        "elasticsearch sink: id template '" + template + "' has a '}' without '{'");
            } else {
                literal.append(c);
                i++;
            }
        }
        parts.add(literal.toString());
        if (parts.size() < 3) {
            throw new IllegalArgumentException("elasticsearch sink: id template '" + template
                    + "' needs at least one {column} placeholder naming a key column");
        }
        return new DocumentIdTemplate(template, List.copyOf(parts));
    }

    /**
     * The document id of a key.
     *
     * @throws IllegalArgumentException when the template names a column that is not a key column
     */
    String render(RowKey key) {
        if (template == null) {
            return key.asText();
        }
        StringBuilder id = new StringBuilder(parts.get(0));
        for (int i = 1; i < parts.size(); i += 2) {
            String column = parts.get(i);
            int position = key.columns().indexOf(column);
            if (position < 0) {
                throw new IllegalArgumentException("id template '" + template + "' names column '" + column
                        + "', which is not a key column " + key.columns() + "; fix the table's 'id' option");
            }
            id.append(KeyCodec.valueText(key.values().get(position))).append(parts.get(i + 1));
        }
        return id.toString();
    }

    @Override
    public String toString() {
        return template == null ? "(row key text)" : template;
    }
}
