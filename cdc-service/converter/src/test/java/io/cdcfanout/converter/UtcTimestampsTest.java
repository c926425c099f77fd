package io.cdcfanout.converter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UtcTimestampsTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2024-05-01T10:15:30Z", "2024-05-01T10:15:30.5Z", "2024-05-01T10:15:30.123456Z",
                        "2024-05-01T10:15:30.123456789Z",
                "2024-02-29T23:59:59.000001Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z",
                        "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z"
            })
    void readsDebeziumsUtcTextLikeTheGeneralParser(String text) {
        assertThat(UtcTimestamps.parseBasicUtc(text))
                .isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @Test
    void agreesWithTheGeneralParserOnRandomInstants() {
        SplittableRandom random = new SplittableRandom(42);
        // the shape io.debezium.time.ZonedTimestamp writes: UTC, fraction without trailing zeros
        DateTimeFormatter debezium = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
        for (int i = 0; i < 20_000; i++) {
            Instant instant = Instant.ofEpochSecond(
                    random.nextLong(-62_000_000_000L, 253_000_000_000L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000) / (int) Math.pow(10, random.nextInt(9)));
            String text = debezium.format(instant.atOffset(ZoneOffset.UTC));
            assertThat(UtcTimestamps.parse(text)).as(text).isEqualTo(instant);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-05-01T10:15:30+02:00", "2024-05-01T10:15:30.5-03:30", "+10000-01-01T00:00:00Z"})
    void otherShapesGoThroughTheGeneralParser(String text) {
        assertThat(UtcTimestamps.parseBasicUtc(text)).isNull();
        assertThat(UtcTimestamps.parse(text))
                .isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "infinity",
                "-infinity",
                "2023-02-29T10:15:30Z",
                "2024-05-01T24:00:00Z",
                "2024-05-01 10:15:30Z",
                "2024-05-01T10:15:3xZ",
                "2024-05-01T10:15:30.1234567890Z"
            })
    void rejectsWhatIsNoTimestamp(String text) {
        assertThat(UtcTimestamps.parseBasicUtc(text)).isNull();
        assertThatThrownBy(() -> UtcTimestamps.parse(text)).isInstanceOf(DateTimeException.class);
    }
}
