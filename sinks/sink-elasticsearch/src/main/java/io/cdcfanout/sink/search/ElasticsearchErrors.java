package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import java.util.Set;

/**
 * Sorts Elasticsearch's answers into what the pipeline does with them. The split follows the client's own:
 * a transport failure ({@code TransportException}, any {@code IOException}: refused, timed out, reset) is
 * always retryable; a server answer is classified by status and error type.
 *
 * <ul>
 *   <li>{@link Outcome#APPLIED}: written.</li>
 *   <li>{@link Outcome#STALE}: a version conflict. The index already holds this or a newer version of the
 *       document, so the write is a replay or out of date: success, nothing to do.</li>
 *   <li>{@link Outcome#RETRYABLE}: overload (429), server-side failure (5xx), a cluster or index block,
 *       a missing index or alias (someone deleted it; writing elsewhere would be wrong), authentication
 *       or permission problems. Nothing about the document is wrong; the batch is tried again.</li>
 *   <li>{@link Outcome#REJECTED}: the document itself is refused (mapping conflict, parse error, too large,
 *       strict mapping, illegal argument); retrying cannot help, it goes to the dead-letter table.</li>
 * </ul>
 */
final class ElasticsearchErrors {

    enum Outcome {
        APPLIED,
        STALE,
        RETRYABLE,
        REJECTED
    }

    private static final Set<String> RETRYABLE_TYPES = Set.of(
            "cluster_block_exception",
            "index_not_found_exception",
            "es_rejected_execution_exception",
            "circuit_breaking_exception",
            "unavailable_shards_exception",
            "no_shard_available_action_exception",
            "node_not_connected_exception",
            "node_closed_exception",
            "process_cluster_event_timeout_exception",
            "receive_timeout_transport_exception",
            "security_exception",
            "primary_missing_action_exception");

    private ElasticsearchErrors() {}

    /**
     * Classifies one bulk item.
     *
     * @param status    the item's HTTP status
     * @param errorType the item's {@code error.type}, null when it succeeded
     */
    static Outcome classifyItem(int status, String errorType) {
        if (errorType == null && status >= 200 && status < 300) {
            return Outcome.APPLIED;
        }
        if (status == 409 || "version_conflict_engine_exception".equals(errorType)) {
            return Outcome.STALE;
        }
        if (errorType != null && RETRYABLE_TYPES.contains(errorType)) {
            return Outcome.RETRYABLE;
        }
        if (status == 429 || status >= 500 || status == 401 || status == 403 || status == 404 || status == 408) {
            return Outcome.RETRYABLE;
        }
        if (status >= 400) {
            return Outcome.REJECTED;
        }
        return Outcome.RETRYABLE;
    }

    /**
     * Whether a whole request that the server refused could succeed if cut smaller: 400 (a document broke the
     * request) and 413 (request too large). Everything else the server says about a whole request is retried.
     */
    static boolean isRequestRejection(ElasticsearchException e) {
        return e.status() == 400 || e.status() == 413;
    }

    /** Longest reason kept: Elasticsearch quotes document content in some reasons, which the dead letter holds anyway. */
    static final int MAX_REASON_CHARS = 1000;

    /** A dead-letter reason: {@code type: reason (caused by type: reason)}, at most {@value #MAX_REASON_CHARS} characters. */
    static String describe(ErrorCause error) {
        if (error == null) {
            return "unknown error";
        }
        StringBuilder text =
                new StringBuilder().append(error.type()).append(": ").append(error.reason());
        ErrorCause cause = error.causedBy();
        if (cause != null) {
            text.append(" (caused by ")
                    .append(cause.type())
                    .append(": ")
                    .append(cause.reason())
                    .append(')');
        }
        if (text.length() > MAX_REASON_CHARS) {
            text.setLength(MAX_REASON_CHARS - 1);
            text.append('…');
        }
        return text.toString();
    }

    static String describe(ElasticsearchException e) {
        return "HTTP " + e.status() + " " + describe(e.error());
    }
}
