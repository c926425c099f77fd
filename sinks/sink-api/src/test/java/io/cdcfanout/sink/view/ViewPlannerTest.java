package io.cdcfanout.sink.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RowPolicy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewPlannerTest {

    static final TableId ORDERS = TableId.parse("public.orders");
    static final TableId CUSTOMERS = TableId.parse("public.customers");
    static final TableId LINES = TableId.parse("public.order_lines");
    static final TableId PRODUCTS = TableId.parse("public.products");
    static final TableId TAGS = TableId.parse("public.tags");
    static final TableId PRODUCT_TAGS = TableId.parse("public.product_tags");

    static ViewDefinition ordersView() {
        var tags = new ViewDefinition.Relation(
                TAGS,
                null,
                new ViewDefinition.Through(PRODUCT_TAGS, Map.of("id", "product_id"), Map.of("tag_id", "id")),
                null,
                null,
                null,
                List.of("id"),
                null,
                null);
        var product = new ViewDefinition.Relation(
                PRODUCTS, Map.of("product_id", "id"), null, null, null, null, null, null, Map.of("tags", tags));
        var lines = new ViewDefinition.Relation(
                LINES,
                Map.of("id", "order_id"),
                null,
                null,
                null,
                null,
                List.of("id"),
                Map.of("product", product),
                null);
        var customer = new ViewDefinition.Relation(
                CUSTOMERS, Map.of("customer_id", "id"), null, null, null, null, null, null, null);
        return new ViewDefinition(ORDERS, null, null, null, Map.of("customer", customer), Map.of("lines", lines));
    }

    static Map<TableId, TableShape> shapes() {
        Map<TableId, TableShape> shapes = new LinkedHashMap<>();
        shapes.put(ORDERS, shape(ORDERS, List.of("id"), false, "id", "customer_id", "status"));
        shapes.put(CUSTOMERS, shape(CUSTOMERS, List.of("id"), false, "id", "name"));
        shapes.put(LINES, shape(LINES, List.of("id"), true, "id", "order_id", "product_id", "quantity"));
        shapes.put(PRODUCTS, shape(PRODUCTS, List.of("id"), false, "id", "name"));
        shapes.put(TAGS, shape(TAGS, List.of("id"), false, "id", "name"));
        shapes.put(PRODUCT_TAGS, shape(PRODUCT_TAGS, List.of("product_id", "tag_id"), false, "product_id", "tag_id"));
        return shapes;
    }

    static TableShape shape(TableId table, List<String> key, boolean full, String... columns) {
        Map<String, String> types = new LinkedHashMap<>();
        for (String c : columns) {
            types.put(c, c.equals("name") || c.equals("status") ? "text" : "bigint");
        }
        return new TableShape(table, types, key, full);
    }

    final ViewPlanner planner = new ViewPlanner(ordersView().tree(), shapes());

    @Test
    void aRootChangeNamesItsRoot() {
        var plan = planner.plan(List.of(update(ORDERS, row("id", 7L, "customer_id", 1L), null)));
        assertThat(plan.rootKeys()).containsExactly(List.of("7"));
        assertThat(plan.lookups()).isEmpty();
    }

    @Test
    void aLineMovedToAnotherOrderNamesBothOrdersWithoutALookUp() {
        var plan = planner.plan(List.of(update(
                LINES,
                row("id", 1L, "order_id", 20L, "product_id", 5L, "quantity", 1L),
                row("id", 1L, "order_id", 10L, "product_id", 5L, "quantity", 1L))));
        assertThat(plan.rootKeys()).containsExactlyInAnyOrder(List.of("10"), List.of("20"));
        assertThat(plan.lookups()).isEmpty();
    }

    @Test
    void aCustomerChangeLooksUpTheOrdersThatEmbedIt() {
        var plan = planner.plan(List.of(update(CUSTOMERS, row("id", 3L, "name", "x"), null)));
        assertThat(plan.rootKeys()).isEmpty();
        assertThat(plan.lookups()).singleElement().satisfies(l -> {
            assertThat(l.chain()).extracting(ViewNode::table).containsExactly(ORDERS);
            assertThat(l.columns()).containsExactly("customer_id");
            assertThat(l.values()).containsExactly(List.of("3"));
        });
    }

    @Test
    void aTagChangeLooksUpThroughTheLinkTable() {
        var plan = planner.plan(List.of(update(TAGS, row("id", 9L, "name", "red"), null)));
        assertThat(plan.lookups()).singleElement().satisfies(l -> {
            assertThat(l.chain()).extracting(ViewNode::table).containsExactly(ORDERS, LINES, PRODUCTS);
            assertThat(l.through()).isNotNull();
            assertThat(l.columns()).containsExactly("tag_id");
            assertThat(l.values()).containsExactly(List.of("9"));
        });
    }

    @Test
    void aDeletedLinkRowNamesItsProductByTheKey() {
        ChangeEvent delete = new ChangeEvent(
                PRODUCT_TAGS,
                Operation.DELETE,
                new RowKey(List.of("product_id", "tag_id"), List.of(5L, 9L)),
                row("product_id", 5L, "tag_id", 9L),
                null,
                at());
        var plan = planner.plan(List.of(delete));
        assertThat(plan.lookups()).singleElement().satisfies(l -> {
            assertThat(l.chain()).extracting(ViewNode::table).containsExactly(ORDERS, LINES, PRODUCTS);
            assertThat(l.columns()).containsExactly("id");
            assertThat(l.values()).containsExactly(List.of("5"));
        });
    }

    @Test
    void aTableOutsideTheViewAndNullJoinsAreIgnored() {
        var plan = planner.plan(List.of(
                update(TableId.parse("public.other"), row("id", 1L), null),
                update(LINES, row("id", 2L, "order_id", null, "product_id", null), null)));
        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    void theCatalogCheckNamesMissingColumnsAndUnloggedJoins() {
        Map<TableId, TableShape> shapes = shapes();
        shapes.put(LINES, shape(LINES, List.of("id"), false, "id", "order_id", "product_id"));
        shapes.put(CUSTOMERS, shape(CUSTOMERS, List.of("id"), false, "id", "title"));
        var customer = new ViewDefinition.Relation(
                CUSTOMERS, Map.of("customer_id", "id"), null, List.of("name"), null, null, null, null, null);
        var lines =
                new ViewDefinition.Relation(LINES, Map.of("id", "order_idx"), null, null, null, null, null, null, null);
        var view = new ViewDefinition(ORDERS, null, null, null, Map.of("customer", customer), Map.of("lines", lines));
        assertThat(ViewCatalogCheck.problems("orders", view, shapes, RowPolicy.NONE))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("views.orders.one.customer.include: table public.customers has no column 'name'"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("views.orders.many.lines.on: table public.order_lines has no column 'order_idx'"));
        var moved =
                new ViewDefinition.Relation(LINES, Map.of("id", "order_id"), null, null, null, null, null, null, null);
        assertThat(ViewCatalogCheck.problems(
                        "orders",
                        new ViewDefinition(ORDERS, null, null, null, null, Map.of("lines", moved)),
                        shapes,
                        RowPolicy.NONE))
                .singleElement()
                .satisfies(p -> assertThat(p).contains("REPLICA IDENTITY FULL").contains("views.orders.many.lines.on"));
    }

    @Test
    void aOneRelationCannotHaveALinkTable() {
        var bad = new ViewDefinition.Relation(
                CUSTOMERS,
                null,
                new ViewDefinition.Through(PRODUCT_TAGS, Map.of("a", "b"), Map.of("c", "d")),
                null,
                null,
                null,
                null,
                null,
                null);
        assertThatThrownBy(() -> new ViewDefinition(ORDERS, null, null, null, Map.of("customer", bad), null))
                .hasMessageContaining("one.customer.through");
    }

    @Test
    void theLookUpSqlJoinsDownTheChain() {
        var plan = planner.plan(List.of(update(TAGS, row("id", 9L, "name", "red"), null)));
        var l = plan.lookups().get(0);
        assertThat(ViewSql.rootKeys(l.chain(), l.through(), l.columns(), shapes(), false))
                .isEqualTo("SELECT DISTINCT t0.\"id\" FROM \"public\".\"orders\" t0"
                        + " JOIN \"public\".\"order_lines\" t1 ON t0.\"id\" = t1.\"order_id\""
                        + " JOIN \"public\".\"products\" t2 ON t1.\"product_id\" = t2.\"id\""
                        + " JOIN \"public\".\"product_tags\" lx ON t2.\"id\" = lx.\"product_id\""
                        + " WHERE (lx.\"tag_id\") IN (SELECT CAST(u.v0 AS bigint) FROM unnest(CAST(? AS text[])) AS u(v0))"
                        + " ORDER BY t0.\"id\" LIMIT ?");
    }

    static Row row(Object... kv) {
        Row.Builder b = Row.builder();
        for (int i = 0; i < kv.length; i += 2) {
            b.put((String) kv[i], kv[i + 1]);
        }
        return b.build();
    }

    static ChangeEvent update(TableId table, Row after, Row before) {
        List<String> key = shapes().get(table) == null
                ? List.of("id")
                : shapes().get(table).key();
        return new ChangeEvent(table, Operation.UPDATE, RowKey.of(key, after), before, after, at());
    }

    static SourcePosition at() {
        return new SourcePosition(Lsn.parse("0/100"), 1, Instant.EPOCH, 1);
    }
}
