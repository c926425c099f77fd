package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowTest {

    @Test
    void unchangedToastColumnsHaveNoValueAndAreFilledFromThePreviousImage() {
        Row update = Row.builder()
                .put("id", 1L)
                .put("name", "new")
                .unchangedToast("body")
                .build();
        assertThat(update.has("body")).isFalse();
        assertThat(update.isComplete()).isFalse();

        Row previous = Row.of(Map.of("id", 1L, "name", "old", "body", "long text"));
        Row merged = update.mergedOnto(previous);
        assertThat(merged.isComplete()).isTrue();
        assertThat(merged.get("body")).isEqualTo("long text");
        assertThat(merged.get("name")).isEqualTo("new");
    }

    @Test
    void aColumnNeitherImageKnowsStaysUnknown() {
        Row update = Row.builder().put("id", 1L).unchangedToast("body").build();
        assertThat(update.mergedOnto(Row.of(Map.of("id", 1L))).unchangedToastColumns())
                .containsExactly("body");
    }

    @Test
    void aBuilderUsedAgainAfterBuildLeavesTheFirstRowAsItWas() {
        Row.Builder builder = Row.builder().put("id", 1L).unchangedToast("body");
        Row first = builder.build();
        Row second = builder.put("body", "text").put("name", "n").build();
        assertThat(first.values()).containsOnlyKeys("id");
        assertThat(first.unchangedToastColumns()).containsExactly("body");
        assertThat(second.values()).containsOnlyKeys("id", "body", "name");
        assertThat(second.isComplete()).isTrue();
    }

    @Test
    void aWideRowKeepsColumnOrderReplacesAPutColumnAndDropsOneMadeUnknown() {
        Row.Builder builder = Row.builder();
        for (int i = 0; i < 40; i++) {
            builder.put("c" + i, (long) i);
        }
        builder.put("c3", "replaced").unchangedToast("c10").put("c39", null);
        Row row = builder.build();
        assertThat(row.values()).hasSize(39);
        assertThat(row.values().keySet())
                .startsWith("c0", "c1", "c2", "c3", "c4")
                .doesNotContain("c10");
        assertThat(row.get("c3")).isEqualTo("replaced");
        assertThat(row.get("c11")).isEqualTo(11L);
        assertThat(row.has("c39")).isTrue();
        assertThat(row.get("c39")).isNull();
        assertThat(row.unchangedToastColumns()).containsExactly("c10");
        assertThat(row.values()).containsEntry("c20", 20L).doesNotContainKey("c10");
    }

    @Test
    void rowsOfTheSameShapeShareTheirColumnNamesAndEqualAMapOfTheSameValues() {
        Row a = Row.builder().put("id", 1L).put("name", "a").build();
        Row b = Row.builder().put("id", 2L).put("name", "b").build();
        assertThat(a.values().keySet()).isEqualTo(b.values().keySet());
        assertThat(((RowValues) a.values()).names()).isSameAs(((RowValues) b.values()).names());
        assertThat(a.values()).isEqualTo(Map.of("id", 1L, "name", "a"));
        assertThat(a)
                .isEqualTo(Row.of(Map.of("name", "a", "id", 1L)))
                .hasSameHashCodeAs(Row.of(Map.of("id", 1L, "name", "a")));
        assertThatThrownBy(() -> a.values().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void equalityComparesDecimalsByValueAndBytesByContent() {
        Row a = Row.builder()
                .put("price", new BigDecimal("1.10"))
                .put("blob", new byte[] {1, 2})
                .put("tags", List.of(1L))
                .build();
        Row b = Row.builder()
                .put("price", new BigDecimal("1.1"))
                .put("blob", new byte[] {1, 2})
                .put("tags", List.of(1L))
                .build();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void jsonKeepsDecimalsExactAndWritesSpecialFloatsAsText() {
        Row row = Row.builder()
                .put("n", new BigDecimal("12345678901234567890.0123456789"))
                .put("nan", Double.NaN)
                .put("inf", Double.POSITIVE_INFINITY)
                .put("bytes", new byte[] {(byte) 0xde, (byte) 0xad})
                .unchangedToast("body")
                .build();
        assertThat(RowJson.toJson(row).toString())
                .isEqualTo(
                        "{\"n\":12345678901234567890.0123456789,\"nan\":\"NaN\",\"inf\":\"Infinity\",\"bytes\":\"3q0=\"}");
    }

    @Test
    void rowKeyTextIsTheSameFromAnEventAndFromARequest() {
        RowKey single = new RowKey(List.of("id"), List.of(42L));
        assertThat(single.asText()).isEqualTo("42");
        RowKey composite = new RowKey(List.of("order_id", "line"), List.of(7L, 2L));
        assertThat(composite.asText()).isEqualTo("order_id=7&line=2");
        assertThat(RowKey.canonicalText(List.of("order_id", "line"), Map.of("line", "2", "order_id", "7")))
                .isEqualTo(composite.asText());
        assertThatThrownBy(() -> RowKey.canonicalText(List.of("order_id", "line"), Map.of("line", "2")))
                .hasMessageContaining("missing key column(s) [order_id]");
    }

    @Test
    void tableNamesDefaultToPublicAndRejectJunk() {
        assertThat(TableId.parse("products")).isEqualTo(new TableId("public", "products"));
        assertThat(TableId.parse("sales.order_lines").quoted()).isEqualTo("\"sales\".\"order_lines\"");
        assertThatThrownBy(() -> TableId.parse("a.b.c")).hasMessageContaining("not a valid table name");
        assertThatThrownBy(() -> TableId.parse("public.drop table")).hasMessageContaining("not a valid table name");
    }
}
