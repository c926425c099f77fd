package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The canonical key text: one text per key value, the same text for the same key, never one text for two keys. */
class RowKeyTest {

    private static String text(Object value) {
        return new RowKey(List.of("k"), List.of(value)).asText();
    }

    private static String text(Object a, Object b) {
        return new RowKey(List.of("a", "b"), List.of(a, b)).asText();
    }

    @Test
    void byteaKeysAreLowerCaseHexWithPostgresPrefix() {
        assertThat(text(new byte[] {1, 0x2a, (byte) 0xff})).isEqualTo("\\x012aff");
        assertThat(text(new byte[] {1, 2})).isEqualTo(text(new byte[] {1, 2})); // not the array's identity
        assertThat(text(new byte[0])).isEqualTo("\\x");
    }

    @Test
    void numericKeysEqualByValueHaveOneText() {
        assertThat(text(new BigDecimal("1.50"))).isEqualTo("1.5").isEqualTo(text(new BigDecimal("1.5")));
        assertThat(text(new BigDecimal("100"))).isEqualTo("100");
        assertThat(text(new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(text(new BigDecimal("0.000"))).isEqualTo("0");
        assertThat(text(new BigDecimal("-0.10"))).isEqualTo("-0.1");
    }

    @Test
    void otherScalarsKeepTheirCanonicalText() {
        assertThat(text(42L)).isEqualTo("42");
        assertThat(text("plain text")).isEqualTo("plain text");
        assertThat(text("a&b=c/d")).isEqualTo("a&b=c/d");
        assertThat(text("2024-05-01T10:15:30.500Z")).isEqualTo("2024-05-01T10:15:30.500Z");
        assertThat(text(true)).isEqualTo("true");
        assertThat(text(-0.0d)).isEqualTo(text(0.0d));
    }

    @Test
    void arrayKeysReadAsPostgresArrayLiterals() {
        assertThat(text(List.of(1L, 2L))).isEqualTo("{1,2}");
        assertThat(text(List.of("a,b", "", "x\"y", "NULL"))).isEqualTo("{\"a,b\",\"\",\"x\\\"y\",\"NULL\"}");
        List<Object> withNull = new ArrayList<>();
        withNull.add(null);
        assertThat(text(withNull)).isEqualTo("{NULL}");
    }

    @Test
    void compositeKeysWithSeparatorsInValuesStayApart() {
        assertThat(text("x&b=y", "z")).isNotEqualTo(text("x", "y&b=z"));
        assertThat(text("x", "y")).isEqualTo("a=x&b=y"); // plain values read as before
        assertThat(text("", "")).isEqualTo("a=&b=");
        assertThat(text("100%", "a/b")).isEqualTo("a=100%25&b=a/b");
    }

    @Test
    void oneColumnTextKeysStayApartAndAreNeverEmpty() {
        assertThat(text("")).isEqualTo("%"); // Elasticsearch refuses an empty id
        assertThat(text("100%")).isEqualTo("100%25");
        Set<String> texts = new HashSet<>();
        List<String> awkward = List.of("", "%", "%25", "%%", "a", "100%", "100%25");
        awkward.forEach(v -> texts.add(text(v)));
        assertThat(texts).hasSize(awkward.size());
    }

    @Test
    void compositeTextIsInjectiveOverAwkwardValues() {
        List<String> awkward = List.of(
                "", "&", "=", "%", "%26", "%25", "/", "a=b", "a&b", "&a=", "b=", "a", "null", " ", "\\x00", "x&b=y",
                "y&b=z", "x", "z", "&b=", "b=z", "x&b=", "y&b");
        Set<String> texts = new HashSet<>();
        int pairs = 0;
        for (String a : awkward) {
            for (String b : awkward) {
                texts.add(text(a, b));
                pairs++;
            }
        }
        assertThat(texts).hasSize(pairs);
    }

    @Test
    void keyTextFromTextValuesEqualsTheEventsKeyText() {
        Map<String, String> fromUrl = new LinkedHashMap<>();
        fromUrl.put("b", "y&b=z");
        fromUrl.put("a", "x");
        assertThat(RowKey.canonicalText(List.of("a", "b"), fromUrl)).isEqualTo(text("x", "y&b=z"));
        assertThatThrownBy(() -> RowKey.canonicalText(List.of("a", "b"), Map.of("a", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[b]");
    }
}
