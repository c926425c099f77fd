package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.ReadmeSql;
import io.cdcfanout.it.support.RunningService;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tax-rate story through the whole pipeline: rates change over time in Postgres, the history sink
 * keeps every version from the WAL, and both the README's SQL and the HTTP as-of API give each order
 * the rate that was valid when it was placed.
 */
@ExtendWith(BackendsExtension.class)
class HistoryEndToEndIT {

    /** The README's example query, taken from README.md. */
    private static final String TAX_QUERY = ReadmeSql.taxAtOrderTime();

    @Test
    void ordersUseTheRateValidWhenTheyWerePlaced(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric(5,4) NOT NULL)",
                "CREATE TABLE orders (id int PRIMARY KEY, region text, placed_at timestamptz NOT NULL, amount numeric(10,2))",
                "INSERT INTO tax_rates VALUES ('DE', 0.1900), ('FR', 0.2000)");
        String sinks = """
                  history:
                    type: scd2
                    tables: { public.tax_rates: { history-table: history.tax_rates } }
                """;
        try (RunningService service = RunningService.start(db, Backends.uniqueName("tax"), "public.tax_rates", sinks)) {
            service.awaitReady();
            service.awaitCaughtUp(db);

            db.execute("INSERT INTO orders VALUES (1, 'DE', clock_timestamp(), 100.00)");
            Instant firstOrder = placedAt(db, 1);
            db.execute("UPDATE tax_rates SET rate = 0.1600 WHERE region = 'DE'");
            db.execute(
                    "INSERT INTO orders VALUES (2, 'DE', clock_timestamp(), 100.00)",
                    "DELETE FROM tax_rates WHERE region = 'FR'",
                    "INSERT INTO orders VALUES (3, 'FR', clock_timestamp(), 50.00)");
            db.execute(
                    "UPDATE tax_rates SET rate = 0.1900 WHERE region = 'DE'",
                    "INSERT INTO orders VALUES (4, 'DE', clock_timestamp(), 10.00)");
            service.awaitCaughtUp(db);

            Map<Integer, String> taxes = new LinkedHashMap<>();
            try (Connection c = db.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(TAX_QUERY)) {
                while (rs.next()) {
                    BigDecimal tax = rs.getBigDecimal("tax");
                    taxes.put(
                            rs.getInt("id"),
                            tax == null ? "none" : tax.stripTrailingZeros().toPlainString());
                }
            }
            assertThat(taxes)
                    .containsExactly(Map.entry(1, "19"), Map.entry(2, "16"), Map.entry(3, "none"), Map.entry(4, "1.9"));

            JsonNode asOfFirstOrder = service.getJson("/history/public.tax_rates/DE?as_of=" + firstOrder);
            assertThat(new BigDecimal(asOfFirstOrder.get("data").get("rate").asText()))
                    .isEqualByComparingTo("0.19");
            JsonNode versions = service.getJson("/history/public.tax_rates/DE").get("versions");
            assertThat(versions).hasSize(3);
            assertThat(versions.get(0).get("valid_to").asText())
                    .isEqualTo(versions.get(1).get("valid_from").asText());
            assertThat(versions.get(2).get("valid_to").isNull()).isTrue();
            assertThat(service.get("/history/public.tax_rates/FR?as_of=" + Instant.now())
                            .statusCode())
                    .isEqualTo(404);
            assertThat(service.get("/history/public.tax_rates/XX").statusCode()).isEqualTo(404);
        }
    }

    private static Instant placedAt(TestDatabase db, int orderId) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT placed_at FROM orders WHERE id = " + orderId)) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
    }
}
