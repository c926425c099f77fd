package io.cdcfanout.service.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import org.junit.jupiter.api.Test;

/** A dead letter's payload stays within its cap: the largest columns are cut and noted. */
class DeadLetterPayloadTest {

    @Test
    void aRowWithinTheCapIsStoredWhole() {
        Row row = Row.builder().put("id", 1L).put("t", "a\u0000b").build();

        DeadLetterPayload payload = DeadLetterPayload.of(row, 1000);

        assertThat(payload.truncated()).isFalse();
        assertThat(payload.json()).isEqualTo(RowJson.toJsonbText(RowJson.toJson(row)));
        assertThat(payload.size()).isEqualTo(RowJson.toJson(row).toString().length());
    }

    @Test
    void aLargerRowKeepsItsSmallColumnsAndNotesTheCutOnes() throws Exception {
        Row row = Row.builder()
                .put("id", 7L)
                .put("big", "x".repeat(10_000))
                .put("blob", new byte[3000])
                .put("name", "n")
                .build();

        DeadLetterPayload payload = DeadLetterPayload.of(row, 2000);

        assertThat(payload.truncated()).isTrue();
        assertThat(payload.size()).isEqualTo(RowJson.toJson(row).toString().length());
        assertThat(payload.json().length()).isLessThanOrEqualTo(2000);
        JsonNode json = RowJson.MAPPER.readTree(payload.json());
        assertThat(json.get("row").get("id").asLong()).isEqualTo(7);
        assertThat(json.get("row").get("name").asText()).isEqualTo("n");
        assertThat(json.get("row").has("big")).isFalse();
        assertThat(json.get("cut").get("big").get("size").asLong()).isEqualTo(10_002);
        assertThat(json.get("cut").get("big").get("head").asText()).isEqualTo("x".repeat(DeadLetterPayload.HEAD_CHARS));
        assertThat(json.get("cut").get("blob").get("size").asLong()).isEqualTo(4002);
    }

    @Test
    void noImageIsNoPayload() {
        assertThat(DeadLetterPayload.of(null, 10)).isEqualTo(DeadLetterPayload.NONE);
    }

    @Test
    void aCutDownLetterKeepsItsIdentityAndNoPayload() {
        DeadLetter letter = new DeadLetter(
                "history",
                "public.t",
                "k\u0000",
                io.cdcfanout.schema.Lsn.ZERO,
                3,
                4,
                "INSERT",
                "reason\u0000",
                DeadLetterPayload.of(Row.builder().put("v", "x").build(), 100));

        DeadLetter cut = letter.cutDown("22P05 unsupported Unicode escape sequence");

        assertThat(cut.payload().json()).isNull();
        assertThat(cut.payload().truncated()).isTrue();
        assertThat(cut.payload().size()).isEqualTo(letter.payload().size());
        assertThat(cut.key()).isEqualTo("k\\u0000");
        assertThat(cut.reason()).startsWith("reason\\u0000").contains("22P05").doesNotContain("\u0000");
        assertThat(cut.sequence()).isEqualTo(3);
    }
}
