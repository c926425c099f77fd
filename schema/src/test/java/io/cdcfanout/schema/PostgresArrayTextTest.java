package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PostgresArrayTextTest {

    @Nested
    class Parsing {
        @Test
        void quotedElementsWithEscapesAndNulls() {
            assertThat(PostgresArrayText.render("xml", "{\"<a b=\\\"1\\\">x, y</a>\",NULL,\"NULL\",<c/>}"))
                    .isEqualTo(Arrays.asList("<a b=\"1\">x, y</a>", null, "NULL", "<c/>"));
        }

        @Test
        void emptyAndNestedArrays() {
            assertThat(PostgresArrayText.render("bit", "{}")).isEmpty();
            assertThat(PostgresArrayText.render("varbit", "{{01,1},{0,NULL}}"))
                    .isEqualTo(List.of(List.of("01", "1"), Arrays.asList("0", null)));
        }

        @Test
        void explicitBoundsAreRefused() {
            assertThatThrownBy(() -> PostgresArrayText.render("time", "[0:1]={12:00:00,13:00:00}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("explicit bounds");
        }

        @Test
        void malformedTextIsRefusedWithWhereItBroke() {
            assertThatThrownBy(() -> PostgresArrayText.render("bit", "{01,"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ends inside the array");
            assertThatThrownBy(() -> PostgresArrayText.render("bit", "{01}x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("after the closing brace");
            assertThatThrownBy(() -> PostgresArrayText.render("bit", "{01 1\"x\"}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset");
        }
    }

    @Nested
    class Elements {
        @Test
        void intervalsAsDebeziumRendersTheScalar() {
            assertThat(
                            PostgresArrayText.render(
                                    "interval",
                                    "{\"178000000 years\",\"-1 days +02:00:00\",\"1 year 2 mons 3 days 04:05:06.789012\",00:00:00}"))
                    .isEqualTo(List.of(
                            "P178000000Y0M0DT0H0M0S", "P0Y0M-1DT2H0M0S", "P1Y2M3DT4H5M6.789012S", "P0Y0M0DT0H0M0S"));
        }

        @Test
        void moneyInTheCLocaleAsExactDecimals() {
            // Postgres quotes the elements that hold the group separator
            assertThat(PostgresArrayText.render(
                            "money", "{\"$92,233,720,368,547,758.07\",$0.01,\"-$92,233,720,368,547,758.08\",($5.00)}"))
                    .isEqualTo(List.of("92233720368547758.07", "0.01", "-92233720368547758.08", "-5.00"));
        }

        @Test
        void moneyThatIsNoDecimalIsRefused() {
            assertThatThrownBy(() -> PostgresArrayText.render("money", "{\"1.234,56 €\"}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("lc_monetary");
        }

        @Test
        void timeKeeps2400() {
            assertThat(PostgresArrayText.render("time", "{24:00:00,12:00:00,23:59:59.999999,00:00:00.5}"))
                    .isEqualTo(List.of("24:00:00", "12:00:00", "23:59:59.999999", "00:00:00.5"));
        }

        @Test
        void bitStringsKeepLeadingZerosAndRefuseAnythingElse() {
            assertThat(PostgresArrayText.render("varbit", "{0001,1,\"\"}")).isEqualTo(List.of("0001", "1", ""));
            assertThatThrownBy(() -> PostgresArrayText.render("bit", "{012}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not 0s and 1s");
        }
    }
}
