package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CanonicalValuesTest {

    @Test
    void timestampTzIsExactlyIsoInstantsText() {
        SplittableRandom random = new SplittableRandom(42);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            long second = random.nextLong(min, max + 1);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(second, nano);
            assertThat(CanonicalValues.timestampTz(instant)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
        }
    }

    @Test
    void timestampTzOutsideFourDigitYearsFallsBackToIsoInstant() {
        for (String text : new String[] {
            "-0001-05-01T10:15:30Z", "+10000-05-01T10:15:30.5Z", "0000-01-01T00:00:00Z", "2024-05-01T10:15:30.000001Z"
        }) {
            Instant instant = Instant.parse(text);
            assertThat(CanonicalValues.timestampTz(instant)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
        }
    }

    @Test
    void endOfDayIsPostgresTwentyFourOClock() {
        // the driver reads time '24:00:00' as LocalTime.MAX; no Postgres time has nanoseconds
        assertThat(CanonicalValues.time(java.time.LocalTime.MAX)).isEqualTo("24:00:00");
        assertThat(CanonicalValues.time(java.time.LocalTime.of(23, 59, 59, 999_999_000)))
                .isEqualTo("23:59:59.999999");
        assertThat(CanonicalValues.time(java.time.LocalTime.MIDNIGHT)).isEqualTo("00:00:00");
    }

    @Test
    void timeWithTimeZoneIsWrittenInUtcAsDebeziumSendsIt() {
        // a plain query reads 00:00:00+15:59 with its offset; the WAL brings 08:01:00Z
        assertThat(CanonicalValues.timeTz(java.time.OffsetTime.parse("00:00:00+15:59")))
                .isEqualTo("08:01:00Z");
        assertThat(CanonicalValues.timeTz(java.time.OffsetTime.parse("12:00:00+05:30")))
                .isEqualTo("06:30:00Z");
        assertThat(CanonicalValues.timeTz(java.time.OffsetTime.parse("06:30:00.5Z")))
                .isEqualTo("06:30:00.5Z");
    }
}
