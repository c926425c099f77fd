package io.cdcfanout.sink.search;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.SinkConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Configuration of an {@code elasticsearch} sink, bound from YAML with kebab-case keys:
 *
 * <pre>{@code
 * type: elasticsearch
 * url: http://127.0.0.1:9200          # or a list of node URLs
 * username: elastic                   # optional, with password; or api-key
 * password: "${ES_PASSWORD}"
 * ca-file: /etc/cdc/es-ca.pem         # optional, PEM CA for https
 * refresh: none                       # or wait_for
 * bulk: { max-actions: 1000, max-bytes: 5242880, concurrency: 2 }
 * keep-old-indexes: 0                 # previous concrete indexes a rebuild leaves behind the alias's live one
 * tables:
 *   public.products: { index: products, exclude: [internal_notes], mapping: mappings/products.json }
 * }</pre>
 *
 * <p>Every check happens here, at load, with a message that says what to fix.
 *
 * @param url      node URLs (http or https); YAML accepts one string or a list
 * @param username basic-auth user; needs {@code password}; excludes {@code api-key}
 * @param password basic-auth password, never logged
 * @param apiKey   an encoded API key (the {@code encoded} value Elasticsearch returns), never logged
 * @param caFile   PEM file of the CA that signed the nodes' certificates; null uses the JVM's trust store
 * @param tables   source table to its index options; its keys are the tables this sink is fed
 * @param refresh  whether a batch returns only once its writes are searchable
 * @param bulk     bulk request sizing
 * @param keepOldIndexes how many previous concrete indexes ({@code <index>_v<k>}) of a table each rebuild keeps after
 *                 it moved the alias, the one the alias left first; older ones are deleted. Default 0: the old
 *                 index is deleted at the swap
 */
@JsonTypeName(ElasticsearchSinkFactory.TYPE)
public record ElasticsearchSinkConfig(
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<String> url,

        String username,
        Secret password,
        Secret apiKey,
        Path caFile,
        Map<TableId, TableOptions> tables,
        Refresh refresh,
        BulkOptions bulk,
        Integer keepOldIndexes,

        @com.fasterxml.jackson.annotation.JsonProperty("views")
        Map<String, ViewOptions> viewIndexes)
        implements SinkConfig {

    public ElasticsearchSinkConfig(
            List<String> url,
            String username,
            Secret password,
            Secret apiKey,
            Path caFile,
            Map<TableId, TableOptions> tables,
            Refresh refresh,
            BulkOptions bulk,
            Integer keepOldIndexes) {
        this(url, username, password, apiKey, caFile, tables, refresh, bulk, keepOldIndexes, null);
    }

    public ElasticsearchSinkConfig {
        if (url == null || url.isEmpty()) {
            throw new IllegalArgumentException(
                    "elasticsearch sink: 'url' is required, e.g. url: http://127.0.0.1:9200");
        }
        url = List.copyOf(url);
        url.forEach(ElasticsearchSinkConfig::checkUrl);
        password = password == null ? Secret.NONE : password;
        apiKey = apiKey == null ? Secret.NONE : apiKey;
        if (username != null && username.isBlank()) {
            username = null;
        }
        if ((username == null) != password.isEmpty()) {
            throw new IllegalArgumentException("elasticsearch sink: set both 'username' and 'password', or neither");
        }
        if (username != null && !apiKey.isEmpty()) {
            throw new IllegalArgumentException(
                    "elasticsearch sink: set either 'username'/'password' or 'api-key', not both");
        }
        if (caFile != null && !Files.isReadable(caFile)) {
            throw new IllegalArgumentException("elasticsearch sink: 'ca-file' " + caFile
                    + " is not a readable file (expected a PEM CA certificate)");
        }
        viewIndexes = viewIndexes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(viewIndexes));
        tables = tables == null ? Map.of() : tables;
        if (tables.isEmpty() && viewIndexes.isEmpty()) {
            throw new IllegalArgumentException("elasticsearch sink: 'tables' or 'views' is required, e.g. tables: {"
                    + " public.products: { index: products } } or views: { orders: { index: orders } }");
        }
        Map<String, String> viewByIndex = new HashMap<>();
        for (Map.Entry<String, ViewOptions> e : viewIndexes.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: view " + e.getKey() + " needs options, at least { index: <name> }");
            }
            String other = viewByIndex.put(e.getValue().index(), e.getKey());
            if (other != null) {
                throw new IllegalArgumentException("elasticsearch sink: views " + other + " and " + e.getKey()
                        + " both write index '" + e.getValue().index() + "'; give each view its own index");
            }
        }
        Map<String, TableId> byIndex = new HashMap<>();
        for (Map.Entry<TableId, TableOptions> e : tables.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: table " + e.getKey() + " needs options, at least { index: <name> }");
            }
            if (viewByIndex.containsKey(e.getValue().index())) {
                throw new IllegalArgumentException("elasticsearch sink: table " + e.getKey() + " and view "
                        + viewByIndex.get(e.getValue().index()) + " both write index '"
                        + e.getValue().index()
                        + "'; give each its own index");
            }
            TableId other = byIndex.put(e.getValue().index(), e.getKey());
            if (other != null) {
                throw new IllegalArgumentException("elasticsearch sink: tables " + other + " and " + e.getKey()
                        + " both write index '" + e.getValue().index()
                        + "'; give each table its own index (their document ids could collide)");
            }
        }
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        refresh = refresh == null ? Refresh.NONE : refresh;
        bulk = bulk == null ? BulkOptions.DEFAULTS : bulk;
        keepOldIndexes = keepOldIndexes == null ? 0 : keepOldIndexes;
        if (keepOldIndexes < 0) {
            throw new IllegalArgumentException("elasticsearch sink: 'keep-old-indexes' must be 0 or more, not "
                    + keepOldIndexes + " (0 deletes the old index when a rebuild swaps the alias)");
        }
    }

    @Override
    public Set<TableId> sourceTables() {
        return tables.keySet();
    }

    @Override
    public Set<String> views() {
        return viewIndexes.keySet();
    }

    public List<URI> urls() {
        return url.stream().map(URI::create).toList();
    }

    public TableOptions options(TableId table) {
        TableOptions options = tables.get(table);
        if (options == null) {
            throw new IllegalArgumentException("table " + table + " is not configured for this sink");
        }
        return options;
    }

    private static void checkUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null
                || (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
                || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "elasticsearch sink: 'url' entry '" + url + "' is not an http(s) URL, e.g. https://es1:9200");
        }
        if (uri.getUserInfo() != null) {
            // URLs end up in logs and error messages; credentials belong in the Secret-typed keys
            throw new IllegalArgumentException(
                    "elasticsearch sink: 'url' must not carry credentials; use 'username'/'password' or 'api-key'");
        }
    }

    /** When written documents become searchable. */
    public enum Refresh {
        /** Elasticsearch's own refresh interval decides (fastest). */
        NONE,
        /** A batch returns only once its writes are visible to searches ({@code refresh=wait_for}). */
        WAIT_FOR;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Refresh parse(String text) {
            for (Refresh r : values()) {
                if (r.name().equalsIgnoreCase(text.replace('-', '_'))) {
                    return r;
                }
            }
            throw new IllegalArgumentException(
                    "elasticsearch sink: 'refresh' must be none or wait_for, not '" + text + "'");
        }
    }

    /**
     * How batches are cut into bulk requests.
     *
     * @param maxActions  at most this many documents per bulk request (default 1000)
     * @param maxBytes    at most about this many bytes of documents per bulk request (default 5 MiB);
     *                    a single larger document still goes alone
     * @param concurrency bulk requests in flight at once (default 2); never two for one document
     */
    public record BulkOptions(Integer maxActions, Long maxBytes, Integer concurrency) {

        public static final BulkOptions DEFAULTS = new BulkOptions(null, null, null);

        public BulkOptions {
            maxActions = maxActions == null ? 1000 : maxActions;
            maxBytes = maxBytes == null ? 5L * 1024 * 1024 : maxBytes;
            concurrency = concurrency == null ? 2 : concurrency;
            if (maxActions < 1 || maxActions > 100_000) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: 'bulk.max-actions' must be 1..100000, not " + maxActions);
            }
            if (maxBytes < 1024) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: 'bulk.max-bytes' must be at least 1024, not " + maxBytes);
            }
            if (concurrency < 1 || concurrency > 64) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: 'bulk.concurrency' must be 1..64, not " + concurrency);
            }
        }
    }

    /**
     * Where and how one table is indexed.
     *
     * @param index   the name searches use: an alias the sink creates over a concrete index {@code <index>_v1}
     * @param id      document id template for composite keys, e.g. {@code "{tenant_id}:{sku}"}; placeholders are
     *                key columns. Default: the key's canonical text ({@code RowKey.asText()})
     * @param include only these columns go into documents (key columns are not added implicitly)
     * @param exclude these columns are left out of documents; not together with {@code include}
     * @param mapping applied when the sink creates the index: an inline object, or a path to a JSON file.
     *                Either a create-index body ({@code "settings"}, {@code "mappings"}) or just a mappings object
     */
    /**
     * Options of a view's index.
     *
     * @param index   the alias searches use; the concrete index is {@code <index>_v<n>}
     * @param id      document id template over the root's key columns, e.g. {@code "order-{id}"}; default the
     *                root key's canonical text
     * @param mapping as a table's {@code mapping}
     */
    public record ViewOptions(String index, String id, JsonNode mapping) {

        public ViewOptions {
            IndexNames.check(index);
            if (id != null) {
                DocumentIdTemplate.parse(id);
            }
            mapping = IndexBody.resolve(index, mapping);
        }

        public IndexBody indexBody() {
            return IndexBody.of(mapping);
        }
    }

    public record TableOptions(String index, String id, List<String> include, List<String> exclude, JsonNode mapping) {

        public TableOptions {
            IndexNames.check(index);
            if (id != null) {
                DocumentIdTemplate.parse(id);
            }
            if (include != null && exclude != null) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: index '" + index + "': set 'include' or 'exclude', not both");
            }
            include = include == null ? null : List.copyOf(include);
            exclude = exclude == null ? List.of() : List.copyOf(exclude);
            mapping = IndexBody.resolve(index, mapping);
        }

        /** The create-index body (settings, mappings) from {@code mapping}, possibly empty. */
        public IndexBody indexBody() {
            return IndexBody.of(mapping);
        }
    }
}
