package io.cdcfanout.sink.search;

import static io.cdcfanout.sink.search.ElasticsearchErrors.Outcome.APPLIED;
import static io.cdcfanout.sink.search.ElasticsearchErrors.Outcome.REJECTED;
import static io.cdcfanout.sink.search.ElasticsearchErrors.Outcome.RETRYABLE;
import static io.cdcfanout.sink.search.ElasticsearchErrors.Outcome.STALE;
import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch._types.ErrorCause;
import org.junit.jupiter.api.Test;

class ElasticsearchErrorsTest {

    @Test
    void successesAndVersionConflicts() {
        assertThat(ElasticsearchErrors.classifyItem(201, null)).isEqualTo(APPLIED);
        assertThat(ElasticsearchErrors.classifyItem(200, null)).isEqualTo(APPLIED);
        assertThat(ElasticsearchErrors.classifyItem(409, "version_conflict_engine_exception"))
                .isEqualTo(STALE);
    }

    @Test
    void transientFailuresAreRetried() {
        assertThat(ElasticsearchErrors.classifyItem(429, "es_rejected_execution_exception"))
                .isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(429, "circuit_breaking_exception"))
                .isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(503, "unavailable_shards_exception"))
                .isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(500, "some_new_exception")).isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(403, "cluster_block_exception"))
                .isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(400, "cluster_block_exception"))
                .isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(404, "index_not_found_exception"))
                .isEqualTo(RETRYABLE);
        assertThat(ElasticsearchErrors.classifyItem(403, "security_exception")).isEqualTo(RETRYABLE);
    }

    @Test
    void documentProblemsAreRejections() {
        assertThat(ElasticsearchErrors.classifyItem(400, "document_parsing_exception"))
                .isEqualTo(REJECTED);
        assertThat(ElasticsearchErrors.classifyItem(400, "mapper_parsing_exception"))
                .isEqualTo(REJECTED);
        assertThat(ElasticsearchErrors.classifyItem(400, "strict_dynamic_mapping_exception"))
                .isEqualTo(REJECTED);
        assertThat(ElasticsearchErrors.classifyItem(400, "illegal_argument_exception"))
                .isEqualTo(REJECTED);
        assertThat(ElasticsearchErrors.classifyItem(413, "max_bytes_length_exceeded_exception"))
                .isEqualTo(REJECTED);
    }

    @Test
    void reasonsNameTypeReasonAndCause() {
        ErrorCause error = ErrorCause.of(e -> e.type("document_parsing_exception")
                .reason("failed to parse field [stock]")
                .causedBy(c -> c.type("number_format_exception").reason("For input string: \"many\"")));
        assertThat(ElasticsearchErrors.describe(error))
                .isEqualTo(
                        "document_parsing_exception: failed to parse field [stock] (caused by number_format_exception: For input string: \"many\")");
    }

    @Test
    void longReasonsAreCut() {
        ErrorCause error =
                ErrorCause.of(e -> e.type("document_parsing_exception").reason("x".repeat(5_000)));
        assertThat(ElasticsearchErrors.describe(error))
                .hasSize(ElasticsearchErrors.MAX_REASON_CHARS)
                .endsWith("…");
    }
}
