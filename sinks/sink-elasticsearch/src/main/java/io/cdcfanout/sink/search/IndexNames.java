package io.cdcfanout.sink.search;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Names the sink gives things in Elasticsearch, and the rules a configured index name must follow. */
final class IndexNames {

    /** Suffix of the first concrete index behind a configured name (the alias); a rebuild would use _v2. */
    static final String FIRST_GENERATION = "_v1";

    /** Where per-index state that must outlive the process (TRUNCATE watermarks) is kept. */
    static final String META_INDEX = "cdc-fanout-meta";

    private static final Pattern FORBIDDEN = Pattern.compile("[\\\\/*?\"<>| ,#:A-Z]");

    private IndexNames() {}

    static String concreteIndex(String alias) {
        return alias + FIRST_GENERATION;
    }

    /** @throws IllegalArgumentException saying which Elasticsearch naming rule the name breaks */
    static void check(String index) {
        if (index == null || index.isBlank()) {
            throw new IllegalArgumentException("elasticsearch sink: each table needs 'index: <name>'");
        }
        String problem = null;
        if (FORBIDDEN.matcher(index).find()) {
            problem = "use lower-case letters, digits, '-', '_' or '.' only";
        } else if (index.startsWith("-") || index.startsWith("_") || index.startsWith("+") || index.startsWith(".")) {
            problem = "it must not start with '-', '_', '+' or '.'";
        } else if (index.getBytes(StandardCharsets.UTF_8).length > 255 - FIRST_GENERATION.length()) {
            problem = "it is too long (at most " + (255 - FIRST_GENERATION.length()) + " bytes)";
        } else if (index.equals(META_INDEX)) {
            problem = "that name is the sink's own state index";
        }
        if (problem != null) {
            throw new IllegalArgumentException(
                    "elasticsearch sink: index name '" + index + "' is not usable: " + problem);
        }
    }
}
