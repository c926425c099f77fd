package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Snapshot, inserts, updates, deletes and TRUNCATE reach the cache, and HTTP reads see them (also read-your-writes). */
@ExtendWith(BackendsExtension.class)
class CacheEndToEndIT {

    private static final String CACHE = """
              cache:
                type: caffeine
                max-entries: 1000
                tables: [public.products, public.order_lines]
            """;

    @Test
    void cacheFollowsTheTableAndServesReads(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2))",
                "CREATE TABLE order_lines (order_id int, line int, sku text, PRIMARY KEY (order_id, line))",
                "INSERT INTO products VALUES (1, 'kettle', 19.90), (2, 'teapot', 24.50)");
        String slot = Backends.uniqueName("cache");
        try (RunningService service = RunningService.start(db, slot, "public.products, public.order_lines", CACHE)) {
            service.awaitReady();

            JsonNode kettle = service.getJson("/cache/public.products/1");
            assertThat(kettle.get("row").get("name").asText()).isEqualTo("kettle");
            assertThat(kettle.get("row").get("price").decimalValue()).isEqualByComparingTo("19.90");
            assertThat(service.get("/cache/public.products/99").statusCode()).isEqualTo(404);

            db.execute(
                    "INSERT INTO products VALUES (3, 'mug', 7.00)",
                    "UPDATE products SET name = 'kettle 2', price = 21.00 WHERE id = 1",
                    "DELETE FROM products WHERE id = 2");
            String lsn = RunningService.currentWalLsn(db).toString();
            // read-your-writes: no sleeping, the read waits until the cache has applied lsn
            HttpResponse<String> mug = service.get("/cache/public.products/3?min_lsn=" + lsn);
            assertThat(mug.statusCode()).isEqualTo(200);
            assertThat(service.getJson("/cache/public.products/1")
                            .get("row")
                            .get("name")
                            .asText())
                    .isEqualTo("kettle 2");
            assertThat(service.get("/cache/public.products/2").statusCode()).isEqualTo(404);

            db.execute("INSERT INTO order_lines VALUES (10, 1, 'A-1'), (10, 2, 'B-2')");
            lsn = RunningService.currentWalLsn(db).toString();
            JsonNode line = service.getJson("/cache/public.order_lines?order_id=10&line=2&min_lsn=" + lsn);
            assertThat(line.get("row").get("sku").asText()).isEqualTo("B-2");
            assertThat(service.get("/cache/public.order_lines?order_id=10").statusCode())
                    .isEqualTo(400);

            db.execute("TRUNCATE products");
            lsn = RunningService.currentWalLsn(db).toString();
            assertThat(service.get("/cache/public.products/1?min_lsn=" + lsn).statusCode())
                    .isEqualTo(404);
            assertThat(service.get("/cache/public.products/3").statusCode()).isEqualTo(404);
            assertThat(service.getJson("/cache/public.order_lines?order_id=10&line=1")
                            .get("row")
                            .get("sku")
                            .asText())
                    .isEqualTo("A-1");

            assertThat(service.get("/health").statusCode()).isEqualTo(200);
            String metrics = service.get("/metrics").body();
            assertThat(metrics)
                    .contains("cdc_events_applied_total{op=\"insert\",sink=\"cache\",table=\"public.products\"} 1.0");
            assertThat(metrics).contains("cdc_slot_lag_bytes");
            assertThat(metrics).contains("cdc_sink_commit_to_applied_seconds_bucket");
            JsonNode status = service.getJson("/status");
            assertThat(status.get("sinks").get("cache").get("state").asText()).isEqualTo("READY");
            assertThat(status.get("source").get("slot").asText()).isEqualTo(slot);
        }
    }
}
