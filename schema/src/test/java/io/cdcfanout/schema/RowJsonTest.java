package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowJsonTest {

    @Test
    void theStreamWritesWhatTheTreeHolds() throws Exception {
        @SuppressWarnings(
                "UnnecessaryStringBuilder") // not building a string: a CharSequence that is no String, written by
        // toString()
        Object otherType = new StringBuilder("other");
        List<Object> values = Arrays.asList(
                null,
                "text \"quoted\" \u0000 é",
                5L,
                7,
                new BigDecimal("1.50"),
                new BigDecimal("1E+3"),
                new BigDecimal("-0.000000001"),
                2.5,
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                1.25f,
                Float.NaN,
                true,
                false,
                new byte[] {0, 1, (byte) 0xff},
                Arrays.asList(1L, null, "a", List.of(new BigDecimal("2.0"))),
                RowJson.MAPPER.readTree("{\"a\": [1, 2.50, {\"b\": null}]}"),
                CanonicalValues.json("[1, 2]"),
                otherType);
        for (Object value : values) {
            StringWriter out = new StringWriter();
            try (JsonGenerator json = RowJson.MAPPER.createGenerator(out)) {
                RowJson.write(json, value);
            }
            assertThat(out.toString())
                    .as("%s", value)
                    .isEqualTo(RowJson.MAPPER.writeValueAsString(RowJson.toJson(value)));
        }
    }

    @Test
    void aRowsTextIsItsTreeWrittenOut() throws Exception {
        Row row = Row.builder()
                .put("id", 7L)
                .put("name", "a \"b\"")
                .put("price", new BigDecimal("9.90"))
                .put("gone", null)
                .put("tags", List.of("x", "y"))
                .unchangedToast("body")
                .build();
        String text = RowJson.toText(row);
        assertThat(text).isEqualTo(RowJson.MAPPER.writeValueAsString(RowJson.toJson(row)));
        assertThat(text)
                .isEqualTo("{\"id\":7,\"name\":\"a \\\"b\\\"\",\"price\":9.90,\"gone\":null,\"tags\":[\"x\",\"y\"]}");
    }

    @Test
    void jsonbTextSpellsOutTheNulCharacterAndLeavesAnEscapedBackslashAlone() throws Exception {
        String json = RowJson.toJsonbText(RowJson.toJson(Row.builder()
                .put("nul", "a\u0000b")
                .put("backslash_then_nul", "\\\u0000")
                .put("literal", "\\u0000")
                .build()));
        assertThat(json).doesNotContainPattern("(?<!\\\\)(\\\\\\\\)*\\\\u0000");
        var read = RowJson.MAPPER.readTree(json);
        assertThat(read.get("nul").textValue()).isEqualTo("a\\u0000b");
        assertThat(read.get("backslash_then_nul").textValue()).isEqualTo("\\\\u0000");
        assertThat(read.get("literal").textValue()).isEqualTo("\\u0000");
    }

    @Test
    void theMinimumTextLengthNeverExceedsTheRenderedLength() {
        List<Row> rows = List.of(
                Row.builder().build(),
                Row.builder()
                        .put("id", 1L)
                        .put("t", "quote \" and \u0000 and é and \uD83D\uDE00")
                        .put("b", new byte[] {1, 2, 3, 4})
                        .put("n", null)
                        .put("a", List.of("x", 2L, List.of(new byte[] {9})))
                        .build(),
                Row.builder().put("big", "x".repeat(100_000)).build());
        for (Row row : rows) {
            long rendered = RowJson.toText(row).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertThat(RowJson.minimumTextLength(row)).isLessThanOrEqualTo(rendered);
        }
        assertThat(RowJson.minimumTextLength(
                        Row.builder().put("big", "x".repeat(100_000)).build()))
                .isGreaterThanOrEqualTo(100_000);
    }
}
