package io.cdcfanout.sink.search;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Names the sink gives things in Elasticsearch, and the rules a configured index name must follow. */
final class IndexNames {

    /** Suffix of the first concrete index behind a configured name (the alias); a rebuild would use _v2. */
    static final String FIRST_GENERATION = "_v1";

    /** Room left in a name for the longest generation suffix ({@code _v} and up to ten digits). */
    private static final int MAX_SUFFIX = 12;

    /** Where per-index state that must outlive the process (TRUNCATE watermarks) is kept. */
    static final String META_INDEX = "cdc-fanout-meta";

    private static final Pattern FORBIDDEN = Pattern.compile("[\\\\/*?\"<>| ,#:A-Z]");

    private IndexNames() {}

    static String concreteIndex(String alias) {
        return alias + FIRST_GENERATION;
    }

    /** The concrete index of generation {@code n} behind {@code alias}: {@code <alias>_v<n>}. */
    static String generation(String alias, int n) {
        return alias + "_v" + n;
    }

    /** The generation number of a concrete index behind {@code alias}, or -1 when it is not one of its generations. */
    static int generationOf(String alias, String concrete) {
        String prefix = alias + "_v";
        if (!concrete.startsWith(prefix)) {
            return -1;
        }
        try {
            return Integer.parseInt(concrete.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
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
        } else if (index.getBytes(StandardCharsets.UTF_8).length > 255 - MAX_SUFFIX) {
            problem = "it is too long (at most " + (255 - MAX_SUFFIX) + " bytes)";
        } else if (index.equals(META_INDEX)) {
            problem = "that name is the sink's own state index";
        }
        if (problem != null) {
            throw new IllegalArgumentException(
                    "elasticsearch sink: index name '" + index + "' is not usable: " + problem);
        }
    }
}
