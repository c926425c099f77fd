package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.io.StringReader;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates what the sink writes into, idempotently, so that any number of instances may start at once:
 * <ul>
 *   <li>per configured index name {@code N}: a concrete index {@code N_v1} (the user's settings and mappings
 *       plus the sink's {@value DocumentMapper#META_FIELD} fields) and, in the same create request, the alias
 *       {@code N} filtered to hide tombstones ({@code must_not term _cdc.deleted: true});</li>
 *   <li>the small state index {@value IndexNames#META_INDEX} for TRUNCATE watermarks.</li>
 * </ul>
 * An existing alias is used as it is (a later rebuild may point it at {@code N_v2}); an existing concrete index
 * named {@code N} is a configuration error, since searches would bypass the tombstone filter.
 */
final class IndexManager {

    private static final Logger LOG = LoggerFactory.getLogger(IndexManager.class);

    private final ElasticsearchClient client;

    IndexManager(ElasticsearchClient client) {
        this.client = client;
    }

    /** The filter that hides tombstones from everything that reads through the alias. */
    static ObjectNode liveDocumentsFilter() {
        ObjectNode filter = RowJson.MAPPER.createObjectNode();
        filter.putObject("bool").putObject("must_not").putObject("term").put(DocumentMapper.DELETED_FIELD, true);
        return filter;
    }

    /** The create-index body: user settings and mappings, the sink's fields, the filtered alias. */
    static ObjectNode createIndexBody(String alias, IndexBody user) {
        ObjectNode body = RowJson.MAPPER.createObjectNode();
        body.set("settings", user.settings().deepCopy());
        ObjectNode mappings = user.mappings().deepCopy();
        ObjectNode properties =
                mappings.get("properties") instanceof ObjectNode p ? p : mappings.putObject("properties");
        properties.set(DocumentMapper.META_FIELD, DocumentMapper.metaMapping());
        body.set("mappings", mappings);
        ObjectNode aliasBody = body.putObject("aliases").putObject(alias);
        aliasBody.set("filter", liveDocumentsFilter());
        aliasBody.put("is_write_index", true);
        return body;
    }

    /**
     * Makes sure the alias exists over a concrete index; creates both if absent.
     *
     * @throws IOException                when Elasticsearch cannot be reached
     * @throws ElasticsearchException     when it refuses for another reason than a concurrent creation
     * @throws IllegalStateException      when a plain index already has the alias's name
     */
    void ensureIndex(String alias, IndexBody user) throws IOException {
        if (client.indices().existsAlias(a -> a.name(alias)).value()) {
            return;
        }
        if (client.indices().exists(e -> e.index(alias)).value()) {
            throw new IllegalStateException("elasticsearch sink: '" + alias
                    + "' is an index, but the sink needs that name for an alias"
                    + " (over " + IndexNames.concreteIndex(alias) + ") that hides delete tombstones. Reindex it into "
                    + IndexNames.concreteIndex(alias)
                    + " and replace it by the alias, or configure another index name");
        }
        String concrete = IndexNames.concreteIndex(alias);
        ObjectNode body = createIndexBody(alias, user);
        try {
            client.indices().create(c -> c.index(concrete).withJson(new StringReader(body.toString())));
            LOG.info("created index {} with alias {}", concrete, alias);
        } catch (ElasticsearchException e) {
            if (!isAlreadyExists(e)) {
                throw e;
            }
            // Another instance created it, or the alias was removed by hand: (re)attach the alias; idempotent.
            client.indices()
                    .updateAliases(u -> u.actions(a -> a.add(add -> add.index(concrete)
                            .alias(alias)
                            .isWriteIndex(true)
                            .filter(f -> f.withJson(
                                    new StringReader(liveDocumentsFilter().toString()))))));
            LOG.info("index {} existed; alias {} ensured", concrete, alias);
        }
    }

    /** The concrete indexes the alias points at (one, unless someone changed it by hand); empty without the alias. */
    List<String> concreteIndexes(String alias) throws IOException {
        try {
            return List.copyOf(
                    client.indices().getAlias(a -> a.name(alias)).aliases().keySet());
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return List.of();
            }
            throw e;
        }
    }

    /** The generation numbers of the indexes named {@code <alias>_v<n>}, aliased or not, in ascending order. */
    List<Integer> generations(String alias) throws IOException {
        return client
                .indices()
                .get(g -> g.index(alias + "_v*").allowNoIndices(true).ignoreUnavailable(true))
                .indices()
                .keySet()
                .stream()
                .map(n -> IndexNames.generationOf(alias, n))
                .filter(n -> n >= 0)
                .sorted()
                .toList();
    }

    /**
     * Records in {@value IndexNames#META_INDEX} that a generation is (about to be) live behind its alias, so a later
     * rebuild never takes it for one a rebuild left half-built, even after the alias was pointed back below it.
     */
    void markFinished(String concrete) throws IOException {
        ObjectNode doc = RowJson.MAPPER.createObjectNode();
        doc.put("index", concrete);
        doc.put("finished_generation", true);
        client.index(
                i -> i.index(IndexNames.META_INDEX).id(finishedId(concrete)).document(doc));
    }

    /** Of these concrete indexes, the ones {@link #markFinished} recorded. */
    Set<String> finished(Collection<String> concretes) throws IOException {
        Set<String> found = new HashSet<>();
        if (concretes.isEmpty()) {
            return found;
        }
        var response = client.mget(
                m -> m.index(IndexNames.META_INDEX)
                        .ids(concretes.stream().map(IndexManager::finishedId).toList()),
                ObjectNode.class);
        for (var item : response.docs()) {
            if (item.isFailure()) {
                throw new IOException("cannot read " + item.failure().id() + " in " + IndexNames.META_INDEX + ": "
                        + ElasticsearchErrors.describe(item.failure().error()));
            }
            if (item.result().found()) {
                found.add(item.result().id().substring(FINISHED_PREFIX.length()));
            }
        }
        return found;
    }

    /** Forgets what {@link #markFinished} recorded of a deleted index; nothing happens when there is nothing. */
    void forgetFinished(String concrete) throws IOException {
        try {
            client.delete(d -> d.index(IndexNames.META_INDEX).id(finishedId(concrete)));
        } catch (ElasticsearchException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    private static final String FINISHED_PREFIX = "finished-generation:";

    private static String finishedId(String concrete) {
        return FINISHED_PREFIX + concrete;
    }

    /** Creates a concrete index with the user's settings and mappings and the sink's fields, without any alias. */
    void createGeneration(String concrete, IndexBody user) throws IOException {
        ObjectNode body = createIndexBody("unused", user);
        body.remove("aliases");
        client.indices().create(c -> c.index(concrete).withJson(new StringReader(body.toString())));
        LOG.info("created index {}", concrete);
    }

    /** Points {@code alias} from {@code from} to {@code to} in one request: readers see one index or the other. */
    void swap(String alias, List<String> from, String to) throws IOException {
        client.indices().updateAliases(u -> {
            for (String old : from) {
                u.actions(a -> a.remove(r -> r.index(old).alias(alias)));
            }
            return u.actions(a -> a.add(add -> add.index(to)
                    .alias(alias)
                    .isWriteIndex(true)
                    .filter(f ->
                            f.withJson(new StringReader(liveDocumentsFilter().toString())))));
        });
        LOG.info("alias {} moved from {} to {}", alias, from, to);
    }

    /** Deletes a concrete index; nothing happens when it does not exist. */
    void delete(String concrete) throws IOException {
        try {
            client.indices().delete(d -> d.index(concrete));
            LOG.info("deleted index {}", concrete);
        } catch (ElasticsearchException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    /** Creates the state index for TRUNCATE watermarks if absent. */
    void ensureMetaIndex() throws IOException {
        if (client.indices().exists(e -> e.index(IndexNames.META_INDEX)).value()) {
            return;
        }
        String body = """
                {"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                 "mappings": {"dynamic": false, "properties": {
                    "index": {"type": "keyword"}, "table": {"type": "keyword"},
                    "truncated_before_lsn": {"type": "keyword"}, "truncated_before_version": {"type": "long"}}}}
                """;
        try {
            client.indices().create(c -> c.index(IndexNames.META_INDEX).withJson(new StringReader(body)));
        } catch (ElasticsearchException e) {
            if (!isAlreadyExists(e)) {
                throw e;
            }
        }
    }

    private static boolean isAlreadyExists(ElasticsearchException e) {
        return e.error() != null
                && "resource_already_exists_exception".equals(e.error().type());
    }
}
