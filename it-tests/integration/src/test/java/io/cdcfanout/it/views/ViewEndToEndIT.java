package io.cdcfanout.it.views;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.Masks;
import io.cdcfanout.it.support.RunningService;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One joined view served by Elasticsearch and the cache: built from rows that exist at start, then kept exact
 * through root, child, many-to-one and many-to-many changes, a line moved to another order, deletes, and a
 * TRUNCATE of a child table; columns masked or excluded under {@code source.columns} stay so inside the view.
 */
@ExtendWith(BackendsExtension.class)
class ViewEndToEndIT {

    private static final String MASK_KEY = "mask-key-ViewEndToEndIT-5c";

    @Test
    void aJoinedDocumentFollowsEveryTableItReads(TestDatabase db, ElasticsearchBackend es) throws Exception {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text, secret text, email text, ssn text)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text)",
                "CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint, product_id bigint, quantity int)",
                "ALTER TABLE order_lines REPLICA IDENTITY FULL",
                "CREATE TABLE products (id bigint PRIMARY KEY, name text, price numeric(10,2))",
                "CREATE TABLE tags (id bigint PRIMARY KEY, name text)",
                "CREATE TABLE product_tags (product_id bigint, tag_id bigint, PRIMARY KEY (product_id, tag_id))",
                "INSERT INTO customers VALUES (1, 'ada', 's1', 'ada@example.com', '111-11-1111'),"
                        + " (2, 'bob', 's2', 'bob@example.com', '222-22-2222')",
                "INSERT INTO orders VALUES (10, 1, 'new'), (11, 2, 'new')",
                "INSERT INTO products VALUES (100, 'kettle', 19.90), (101, 'mug', 4.50)",
                "INSERT INTO tags VALUES (1000, 'kitchen'), (1001, 'gift')",
                "INSERT INTO product_tags VALUES (100, 1000), (101, 1000), (101, 1001)",
                "INSERT INTO order_lines VALUES (1, 10, 100, 2), (2, 10, 101, 1), (3, 11, 101, 5)");
        String slot = Backends.uniqueName("views");
        String alias = Backends.uniqueName("orders_view");
        EsDocs docs = new EsDocs(es.url());
        String tables =
                "public.customers, public.orders, public.order_lines, public.products, public.tags, public.product_tags";
        String yaml = RunningService.configYaml(db, slot, tables, """
                  search:
                    type: elasticsearch
                    url: %s
                    views: { orders: { index: %s } }
                  cache:
                    type: caffeine
                    views: [orders]
                views:
                  orders:
                    table: public.orders
                    one:
                      customer: { table: public.customers, on: { customer_id: id }, exclude: [secret] }
                    many:
                      lines:
                        table: public.order_lines
                        on: { id: order_id }
                        order-by: [id]
                        exclude: [order_id]
                        rename: { quantity: qty }
                        one:
                          product:
                            table: public.products
                            on: { product_id: id }
                            many:
                              tags:
                                table: public.tags
                                through: { table: public.product_tags, on: { id: product_id }, to: { tag_id: id } }
                                order-by: [name]
                """.formatted(es.url(), alias))
                // the source's column rules hold inside views: a masked column shows its hash, an excluded one is
                // absent
                .replace("  tables: [" + tables + "]\n", """
                  tables: [%s]
                  columns:
                    public.customers: { exclude: [ssn], mask: [email] }
                  mask-key: "%s"
                """.formatted(tables, MASK_KEY));
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            db.execute("UPDATE orders SET status = 'paid' WHERE id = 11"); // the first batch builds the view
            awaitApplied(service, db);

            JsonNode ten = docs.get(alias, "10").get("_source");
            assertThat(ten.get("customer").get("name").asText()).isEqualTo("ada");
            assertThat(ten.get("customer").has("secret")).isFalse();
            assertThat(ten.get("customer").has("ssn")).isFalse();
            assertThat(ten.get("customer").get("email").asText()).isEqualTo(Masks.hmac(MASK_KEY, "ada@example.com"));
            assertThat(ten.get("lines")).hasSize(2);
            assertThat(ten.get("lines").get(0).get("qty").asInt()).isEqualTo(2);
            assertThat(ten.get("lines").get(0).has("order_id")).isFalse();
            assertThat(ten.get("lines").get(1).get("product").get("tags").findValuesAsText("name"))
                    .containsExactly("gift", "kitchen");
            assertThat(docs.get(alias, "11").get("_source").get("status").asText())
                    .isEqualTo("paid");
            JsonNode cached = service.getJson("/cache/views/orders/10");
            assertThat(cached.get("document")
                            .get("lines")
                            .get(1)
                            .get("product")
                            .get("name")
                            .asText())
                    .isEqualTo("mug");
            assertThat(cached.get("document").get("customer").get("email").asText())
                    .isEqualTo(Masks.hmac(MASK_KEY, "ada@example.com"));
            assertThat(cached.get("document").get("customer").has("ssn")).isFalse();

            // a tag renamed reaches both orders through products and the link table; a line moves from 10 to 11
            db.execute(
                    "UPDATE tags SET name = 'home' WHERE id = 1000",
                    "UPDATE order_lines SET order_id = 11 WHERE id = 2",
                    "UPDATE customers SET name = 'ada l.', email = 'ada@new.example' WHERE id = 1");
            String lsn = awaitApplied(service, db);
            ten = docs.get(alias, "10").get("_source");
            assertThat(ten.get("lines")).hasSize(1);
            assertThat(ten.get("customer").get("name").asText()).isEqualTo("ada l.");
            assertThat(ten.get("customer").get("email").asText()).isEqualTo(Masks.hmac(MASK_KEY, "ada@new.example"));
            assertThat(ten.toString()).doesNotContain("@").doesNotContain("111-11");
            assertThat(ten.get("lines").get(0).get("product").get("tags").findValuesAsText("name"))
                    .containsExactly("home");
            JsonNode eleven =
                    service.getJson("/cache/views/orders/11?min_lsn=" + lsn).get("document");
            assertThat(eleven.get("lines"))
                    .extracting(l -> l.get("id").asLong())
                    .containsExactly(2L, 3L);

            // deletes: a product gone leaves product null; an order gone leaves no document
            db.execute("DELETE FROM products WHERE id = 100", "DELETE FROM orders WHERE id = 11");
            lsn = awaitApplied(service, db);
            assertThat(docs.get(alias, "10")
                            .get("_source")
                            .get("lines")
                            .get(0)
                            .get("product")
                            .isNull())
                    .isTrue();
            docs.refresh(alias);
            Map<String, JsonNode> live = docs.live(alias);
            assertThat(live.keySet()).containsExactly("10");
            assertThat(service.get("/cache/views/orders/11?min_lsn=" + lsn).statusCode())
                    .isEqualTo(404);

            // a TRUNCATE of a child renders the view whole again
            db.execute("TRUNCATE order_lines");
            lsn = awaitApplied(service, db);
            assertThat(docs.get(alias, "10").get("_source").get("lines")).isEmpty();
            assertThat(service.getJson("/cache/views/orders/10?min_lsn=" + lsn)
                            .get("document")
                            .get("lines"))
                    .isEmpty();

            JsonNode status = service.getJson("/status");
            assertThat(status.get("views")
                            .get("orders")
                            .get("sinks")
                            .get("search")
                            .asText())
                    .isEqualTo("READY");
            assertThat(service.get("/metrics").body()).contains("cdc_view_documents_rendered_total");
        }
    }

    private static String awaitApplied(RunningService service, TestDatabase db) throws Exception {
        String lsn = RunningService.currentWalLsn(db).toString();
        assertThat(service.get("/wait?lsn=" + lsn).statusCode()).isEqualTo(200);
        return lsn;
    }
}
