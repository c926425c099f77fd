package io.cdcfanout.it.views;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.RowJson;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A view's rebuild builds {@code <index>_v2} chunk by chunk while writes go on, then moves the alias: the
 * documents end equal to the join, including a customer renamed by a transaction that wrote before the rebuild
 * read its orders and committed after, and searches through the alias never see a half-built index.
 */
@ExtendWith(BackendsExtension.class)
class ViewRebuildIT {

    private static final int ORDERS = 300;

    @Test
    void aRebuildOfTheRootBuildsTheNextIndexWhileTheStreamRenders(TestDatabase db, ElasticsearchBackend es)
            throws Exception {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text)",
                "CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint, quantity int)",
                "ALTER TABLE order_lines REPLICA IDENTITY FULL",
                "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 10) g",
                "INSERT INTO orders SELECT g, 1 + g % 10, 'new' FROM generate_series(1, " + ORDERS + ") g",
                "INSERT INTO order_lines SELECT g, 1 + g % " + ORDERS + ", g % 7 FROM generate_series(1, 900) g");
        String slot = Backends.uniqueName("viewrebuild");
        String alias = Backends.uniqueName("orders_view");
        EsDocs docs = new EsDocs(es.url());
        String yaml = RunningService.configYaml(
                db, slot, "public.customers, public.orders, public.order_lines", """
                  search:
                    type: elasticsearch
                    url: %s
                    views: { orders: { index: %s } }
                views:
                  orders:
                    table: public.orders
                    one:
                      customer: { table: public.customers, on: { customer_id: id } }
                    many:
                      lines: { table: public.order_lines, on: { id: order_id }, order-by: [id] }
                """.formatted(es.url(), alias));
        try (RunningService service = RunningService.start(yaml);
                Connection writer = db.connect()) {
            service.awaitReady();
            db.execute("UPDATE orders SET status = 'seen' WHERE id = 1");
            service.awaitCaughtUp(db);
            assertThat(mismatches(db, docs, alias)).isEmpty();

            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.executeUpdate("UPDATE customers SET name = 'written before the read, committed after' WHERE id = 3");
            }
            HttpResponse<String> queued =
                    service.send("POST", "/sinks/search/rebuild?table=public.orders&chunk_size=25&rows_per_second=150");
            assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
            long id = RowJson.MAPPER
                    .readTree(queued.body())
                    .path("rebuilds")
                    .get(0)
                    .path("id")
                    .asLong();
            long minimumSeen = Long.MAX_VALUE;
            int step = 0;
            while (!phase(service, id).matches("DONE|FAILED|CANCELLED")) {
                step++;
                db.execute(
                        "UPDATE order_lines SET order_id = 1 + (order_id + 7) % " + ORDERS + " WHERE id = " + step,
                        "UPDATE orders SET status = 'step " + step + "' WHERE id = " + (ORDERS - step),
                        "DELETE FROM orders WHERE id = " + (2 * step),
                        "INSERT INTO orders VALUES (" + (ORDERS + step) + ", 2, 'late')");
                if (step == 5) {
                    writer.commit();
                }
                docs.refresh(alias);
                long count = docs.send("GET", "/" + alias + "/_count", null)
                        .path("count")
                        .asLong();
                minimumSeen = Math.min(minimumSeen, count);
                Thread.sleep(100);
            }
            writer.commit();
            assertThat(phase(service, id)).isEqualTo("DONE");
            service.awaitCaughtUp(db);

            assertThat(mismatches(db, docs, alias)).isEmpty();
            JsonNode aliases = docs.send("GET", "/_alias/" + alias, null);
            assertThat(aliases.fieldNames()).toIterable().containsExactly(alias + "_v2");
            // a search saw the old index or the new one, whole: never fewer than the orders left after the deletes
            assertThat(minimumSeen).isGreaterThanOrEqualTo(ORDERS - 2L * step);
            System.out.printf(
                    "VIEW REBUILD: steps=%d documents=%d lowest count seen=%d%n",
                    step, db.queryLong("SELECT count(*) FROM orders"), minimumSeen);
        }
    }

    private static String phase(RunningService service, long id) {
        JsonNode list = service.getJson("/sinks/search/rebuild").path("rebuilds");
        for (JsonNode r : list) {
            if (r.path("id").asLong() == id) {
                return r.path("phase").asText();
            }
        }
        return "UNKNOWN";
    }

    /** Order id to what differs between its document and the join, for every order and every document. */
    static Map<String, String> mismatches(TestDatabase db, EsDocs docs, String alias) {
        Map<String, String> expected = new LinkedHashMap<>();
        for (List<String> row : db.rows("""
                SELECT o.id::text, json_build_object('id', o.id, 'customer_id', o.customer_id, 'status', o.status,
                  'customer', (SELECT json_build_object('id', c.id, 'name', c.name) FROM customers c
                               WHERE c.id = o.customer_id),
                  'lines', COALESCE((SELECT json_agg(json_build_object('id', l.id, 'order_id', l.order_id,
                                                                       'quantity', l.quantity) ORDER BY l.id)
                                     FROM order_lines l WHERE l.order_id = o.id), '[]'))::text
                FROM orders o""")) {
            expected.put(row.get(0), EsDocs.parse(row.get(1)).toString());
        }
        docs.refresh(alias);
        Map<String, String> problems = new LinkedHashMap<>();
        Map<String, JsonNode> live = docs.live(alias);
        live.forEach((id, source) -> {
            ObjectNode document = ((ObjectNode) source).deepCopy();
            document.remove("_cdc");
            String want = expected.get(id);
            if (want == null) {
                problems.put(id, "a document for an order that does not exist");
            } else if (!want.equals(document.toString())) {
                problems.put(id, "document " + document + " but the join gives " + want);
            }
        });
        expected.keySet().stream().filter(id -> !live.containsKey(id)).forEach(id -> problems.put(id, "no document"));
        return problems;
    }
}
