package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PostgresTextTest {

    @Test
    void intervalsInEachOutputStyleGiveDebeziumsIsoText() {
        assertThat(PostgresText.interval("1 year 2 mons 3 days 04:05:06.789012"))
                .isEqualTo("P1Y2M3DT4H5M6.789012S");
        assertThat(PostgresText.interval("@ 1 year 2 mons 3 days 4 hours 5 mins 6.789012 secs"))
                .isEqualTo("P1Y2M3DT4H5M6.789012S");
        assertThat(PostgresText.interval("-1 days +02:00:00")).isEqualTo("P0Y0M-1DT2H0M0S");
        assertThat(PostgresText.interval("00:00:00")).isEqualTo("P0Y0M0DT0H0M0S");
        assertThatThrownBy(() -> PostgresText.interval("soon")).hasMessageContaining("is not interval text");
    }

    @Test
    void timetzIsTheUtcTimeOfDayAsDebeziumSendsIt() {
        assertThat(PostgresText.timeTz("12:00:00+05:30")).isEqualTo("06:30:00Z");
        assertThat(PostgresText.timeTz("00:00:00+15:59")).isEqualTo("08:01:00Z");
        assertThat(PostgresText.timeTz("23:59:59.999999-15:59")).isEqualTo("15:58:59.999999Z");
        assertThat(PostgresText.timeTz("24:00:00+00")).isEqualTo("00:00:00Z");
        assertThat(PostgresText.timeTz("10:00:00+05:30:15")).isEqualTo("04:29:45Z");
        assertThatThrownBy(() -> PostgresText.timeTz("noon")).hasMessageContaining("is not timetz text");
    }

    @Test
    void timeKeepsTheEndOfTheDay() {
        assertThat(PostgresText.time("24:00:00")).isEqualTo("24:00:00");
        assertThat(PostgresText.time("00:00:00.5")).isEqualTo("00:00:00.5");
    }
}
