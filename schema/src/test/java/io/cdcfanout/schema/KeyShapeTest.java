package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A key written by a client reads as the same canonical text the row's change events give. */
class KeyShapeTest {

    private static String url(String type, String text) {
        return new KeyShape(List.of("k"), List.of(type)).keyText(Map.of("k", text));
    }

    private static String event(Object value) {
        return new RowKey(List.of("k"), List.of(value)).asText();
    }

    @Test
    void byteaIsBackslashXHexInAnyCase() {
        assertThat(url("bytea", "\\x012AFF")).isEqualTo(event(new byte[] {1, 0x2a, (byte) 0xff}));
        assertThat(url("bytea", "\\x")).isEqualTo(event(new byte[0]));
        assertThatThrownBy(() -> url("bytea", "012a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\x");
        assertThatThrownBy(() -> url("bytea", "\\x01z")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void uuidInAnyCaseWithOrWithoutHyphensAndBraces() {
        String canonical = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        assertThat(url("uuid", "6F9619FF-8B86-D011-B42D-00C04FC964FF"))
                .isEqualTo(canonical)
                .isEqualTo(event(canonical));
        assertThat(url("uuid", "{6f9619ff8b86d011b42d00c04fc964ff}")).isEqualTo(canonical);
        assertThatThrownBy(() -> url("uuid", "6f9619ff")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void numbersByValue() {
        assertThat(url("numeric", "1.50")).isEqualTo(url("numeric", "1.5")).isEqualTo(event(new BigDecimal("1.50")));
        assertThat(url("numeric", "2.000")).isEqualTo("2").isEqualTo(event(new BigDecimal("2")));
        assertThat(url("numeric", "nan")).isEqualTo("NaN");
        assertThat(url("int8", "007")).isEqualTo("7").isEqualTo(event(7L));
        assertThat(url("int4", "+7")).isEqualTo("7");
        assertThat(url("float8", "1.5")).isEqualTo(event(1.5d));
        assertThat(url("float8", "-0")).isEqualTo(event(0.0d));
        assertThat(url("float4", "1.1")).isEqualTo(event(CanonicalValues.real(1.1f)));
        assertThatThrownBy(() -> url("int8", "1.5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("int8");
    }

    @Test
    void timestampsWithAnyOffsetAndEitherSeparator() {
        String canonical = CanonicalValues.timestampTz(Instant.parse("2024-05-01T10:15:30.500Z"));
        assertThat(url("timestamptz", "2024-05-01T10:15:30.500Z"))
                .isEqualTo(canonical)
                .isEqualTo(event(canonical));
        assertThat(url("timestamptz", "2024-05-01 12:15:30.5+02")).isEqualTo(canonical);
        assertThat(url("timestamptz", "2024-05-01T12:15:30.5+02:00")).isEqualTo(canonical);
        assertThat(url("timestamptz", "2024-05-01T05:45:30.5-0430")).isEqualTo(canonical);
        assertThat(url("timestamptz", "Infinity")).isEqualTo("infinity");
        assertThatThrownBy(() -> url("timestamptz", "2024-05-01 10:15:30"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(url("timestamp", "2024-05-01 10:15:30.50")).isEqualTo("2024-05-01T10:15:30.5");
        assertThat(url("date", "2024-05-01")).isEqualTo("2024-05-01");
        assertThat(url("time", "10:15")).isEqualTo("10:15:00");
        assertThat(url("timetz", "10:15:30+02"))
                .as("in UTC, as Debezium streams timetz")
                .isEqualTo("08:15:30Z");
    }

    @Test
    void booleansAsPostgresReadsThem() {
        assertThat(url("bool", "t"))
                .isEqualTo(url("bool", "TRUE"))
                .isEqualTo(url("bool", "on"))
                .isEqualTo(event(true));
        assertThat(url("bool", "no")).isEqualTo(event(false));
        assertThatThrownBy(() -> url("bool", "maybe")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void textIsTakenAsWrittenAndArraysAreRefused() {
        assertThat(url("text", " a&b=c ")).isEqualTo(event(" a&b=c "));
        assertThat(url("text", "")).isEqualTo(event(""));
        assertThat(url("varchar", "100%")).isEqualTo(event("100%"));
        assertThat(KeyShape.urlReadable("_int4")).isFalse();
        assertThatThrownBy(() -> url("_int4", "{1,2}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("array");
    }

    @Test
    void compositeKeysReadEachColumnByItsType() {
        KeyShape shape = new KeyShape(List.of("id", "tag"), List.of("uuid", "text"));
        String fromUrl = shape.keyText(Map.of("tag", "x&tag=y", "id", "6F9619FF-8B86-D011-B42D-00C04FC964FF"));
        String fromEvent =
                new RowKey(List.of("id", "tag"), List.of("6f9619ff-8b86-d011-b42d-00c04fc964ff", "x&tag=y")).asText();
        assertThat(fromUrl).isEqualTo(fromEvent).isEqualTo("id=6f9619ff-8b86-d011-b42d-00c04fc964ff&tag=x%26tag%3Dy");
        assertThatThrownBy(() -> shape.keyText(Map.of("id", "6f9619ff-8b86-d011-b42d-00c04fc964ff")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[tag]");
    }
}
