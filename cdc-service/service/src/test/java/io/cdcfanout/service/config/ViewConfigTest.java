package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.view.ViewDefinition;
import io.cdcfanout.sink.view.ViewNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * Views (issue #17, top-level {@code views:}) as the loader binds and checks them: a valid view loads with its tables
 * fed to the sinks that serve it; a view that cannot work is an error naming the file, the line and the key path of
 * what to fix.
 */
class ViewConfigTest {

    private static final String SOURCE = """
            source:
              postgres: { host: 127.0.0.1, port: 5432, database: shop, user: cdc, password: pw }
              tables: [public.customers, public.orders, public.order_lines, public.products, public.tags, public.product_tags]
            """;

    /** Lines 4 to 23 of the file (after {@link #SOURCE}); the tests below refer to these line numbers. */
    private static final String VIEWS = """
            views:
              orders:
                table: public.orders
                exclude: [internal_note]
                one:
                  customer: { table: public.customers, on: { customer_id: id } }
                many:
                  lines:
                    table: public.order_lines
                    on: { id: order_id }
                    order-by: [id]
                    one:
                      product:
                        table: public.products
                        on: { product_id: id }
                        many:
                          tags:
                            table: public.tags
                            through: { table: public.product_tags, on: { id: product_id }, to: { tag_id: id } }
                            order-by: [id]
            """;

    /** Lines 24 to 33: both sinks serve the view, as in the contract. */
    private static final String SERVING_SINKS = """
            sinks:
              search:
                type: elasticsearch
                url: http://127.0.0.1:9200
                tables: {}
                views: { orders: { index: orders_view } }
              cache:
                type: caffeine
                tables: []
                views: [orders]
            """;

    /**
     * A sink that serves no view: the view-definition checks below use it, so they depend on the views block only,
     * not on how a sink names the views it serves.
     */
    private static final String PLAIN_SINKS = """
            sinks:
              cache:
                type: caffeine
                tables: [public.orders]
            """;

    private static final String VALID = SOURCE + VIEWS + SERVING_SINKS;

    private static final List<TableId> ALL_TABLES = Stream.of(
                    "public.orders",
                    "public.customers",
                    "public.order_lines",
                    "public.products",
                    "public.tags",
                    "public.product_tags")
            .map(TableId::parse)
            .toList();

    private final ConfigLoader loader = new ConfigLoader(SinkRegistry.load(), Map.of());

    @Test
    void layoutOfTheTestFileIsAsTheLineNumbersBelowAssume() {
        List<String> lines = VALID.lines().toList();
        assertThat(lines.get(3)).isEqualTo("views:");
        assertThat(lines.get(6)).contains("exclude: [internal_note]");
        assertThat(lines.get(8)).contains("customer: {");
        assertThat(lines.get(13)).contains("order-by: [id]");
        assertThat(lines.get(15)).contains("product:");
        assertThat(lines.get(20)).contains("table: public.tags");
        assertThat(lines.get(23)).isEqualTo("sinks:");
        assertThat(lines.get(32)).contains("views: [orders]");
    }

    @Test
    void aValidViewLoadsWithItsWholeTree() {
        ServiceConfig config = loader.parse(VALID, "cdc.yml");

        ViewDefinition orders = config.views().get("orders");
        assertThat(orders.table()).isEqualTo(TableId.parse("public.orders"));
        assertThat(orders.exclude()).containsExactly("internal_note");
        assertThat(orders.one()).containsOnlyKeys("customer");
        assertThat(orders.one().get("customer").on()).containsExactly(Map.entry("customer_id", "id"));
        ViewDefinition.Relation lines = orders.many().get("lines");
        assertThat(lines.orderBy()).containsExactly("id");
        ViewDefinition.Relation tags = lines.one().get("product").many().get("tags");
        assertThat(tags.through().table()).isEqualTo(TableId.parse("public.product_tags"));
        assertThat(tags.through().on()).containsExactly(Map.entry("id", "product_id"));
        assertThat(tags.through().to()).containsExactly(Map.entry("tag_id", "id"));
        assertThat(orders.tables()).containsExactlyInAnyOrderElementsOf(ALL_TABLES);

        List<String> paths =
                orders.tree().flatten().stream().map(ViewNode::path).toList();
        assertThat(paths)
                .containsExactly(
                        "", "one.customer", "many.lines", "many.lines.one.product", "many.lines.one.product.many.tags");
        ViewNode tagNode = orders.tree().flatten().get(4);
        assertThat(tagNode.kind()).isEqualTo(ViewNode.Kind.MANY);
        assertThat(tagNode.parentColumns()).containsExactly("id");
        assertThat(tagNode.link().fromColumns()).containsExactly("product_id");
        assertThat(tagNode.link().toColumns()).containsExactly("tag_id");
        assertThat(tagNode.joinColumns()).containsExactly("id");
    }

    @Test
    void aSinkServingAViewIsFedEveryTableOfTheView() {
        ServiceConfig config = loader.parse(VALID, "cdc.yml");

        assertThat(config.sinks().get("search").config().views()).containsExactly("orders");
        assertThat(config.tablesOf("search")).containsExactlyInAnyOrderElementsOf(ALL_TABLES);
        assertThat(config.tablesOf("cache")).containsExactlyInAnyOrderElementsOf(ALL_TABLES);
        assertThat(config.viewsOf("search")).containsOnlyKeys("orders");
        assertThat(config.viewsOf("cache").get("orders"))
                .isEqualTo(config.views().get("orders"));
    }

    @Test
    void aSinksOwnTablesAndItsViewsTablesAreFedTogether() {
        String yaml = SOURCE + VIEWS + SERVING_SINKS.replace("    tables: []\n", "    tables: [public.customers]\n");
        ServiceConfig config = loader.parse(yaml, "cdc.yml");
        assertThat(config.sinks().get("cache").config().sourceTables())
                .containsExactly(TableId.parse("public.customers"));
        assertThat(config.tablesOf("cache")).containsExactlyInAnyOrderElementsOf(ALL_TABLES);
    }

    @Test
    void aViewServedByNoSinkStillLoadsAndFeedsNothing() {
        ServiceConfig config = loader.parse(SOURCE + VIEWS + PLAIN_SINKS, "cdc.yml");
        assertThat(config.views().views()).containsOnlyKeys("orders");
        assertThat(config.tablesOf("cache")).containsExactly(TableId.parse("public.orders"));
        assertThat(config.viewsOf("cache")).isEmpty();
    }

    @Test
    void unknownKeyInARelationNamesLineKeyPathAndTheSupportedKeys() {
        String yaml =
                SOURCE + VIEWS.replaceFirst("(?m)^        order-by: \\[id]$", "        orderby: [id]") + PLAIN_SINKS;
        assertFails(yaml)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.yml:14:")
                .hasMessageContaining("views.orders.many.lines.orderby")
                .hasMessageContaining("unknown key 'orderby'")
                .hasMessageContaining("order-by");
    }

    @Test
    void unknownKeyAtTheViewsRootNamesLineAndKeyPath() {
        String yaml = SOURCE + VIEWS.replace("    exclude: [internal_note]\n", "    orderby: [id]\n") + PLAIN_SINKS;
        assertFails(yaml)
                .hasMessageContaining("cdc.yml:7:")
                .hasMessageContaining("views.orders.orderby")
                .hasMessageContaining("unknown key 'orderby'")
                .hasMessageContaining("exclude");
    }

    @Test
    void aOneRelationWithoutOnNamesLineAndKeyPath() {
        String yaml = SOURCE
                + VIEWS.replace(
                        "customer: { table: public.customers, on: { customer_id: id } }",
                        "customer: { table: public.customers }")
                + PLAIN_SINKS;
        assertFails(yaml)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing required key 'on'")
                .hasMessageContaining("views.orders.one.customer")
                .hasMessageContaining("cdc.yml:9:");
    }

    @Test
    void aNestedOneRelationWithoutOnNamesItsWholeKeyPath() {
        String yaml = SOURCE + VIEWS.replace("            on: { product_id: id }\n", "") + PLAIN_SINKS;
        assertFails(yaml)
                .hasMessageContaining("missing required key 'on'")
                .hasMessageContaining("views.orders.many.lines.one.product")
                .hasMessageNotContaining("one.many.lines")
                .hasMessageContaining("cdc.yml:16:");
    }

    @Test
    void throughOnAOneRelationIsRefusedWithLineAndKeyPath() {
        String yaml = SOURCE
                + VIEWS.replace(
                        "customer: { table: public.customers, on: { customer_id: id } }",
                        "customer: { table: public.customers, through: { table: public.product_tags,"
                                + " on: { id: product_id }, to: { tag_id: id } } }")
                + PLAIN_SINKS;
        assertFails(yaml)
                .hasMessageContaining("views.orders.one.customer.through")
                .hasMessageContaining("only a 'many' relation")
                .hasMessageContaining("cdc.yml:9:");
    }

    @Test
    void includeAndExcludeTogetherAreRefusedWithLineAndKeyPath() {
        String yaml = SOURCE
                + VIEWS.replace(
                        "    exclude: [internal_note]\n", "    exclude: [internal_note]\n    include: [id, status]\n")
                + PLAIN_SINKS;
        assertFails(yaml)
                .hasMessageContaining("'include' and 'exclude' together")
                .hasMessageContaining("views.orders.include")
                .hasMessageContaining("cdc.yml:8:");
    }

    @Test
    void includeAndExcludeTogetherOnARelationNameTheRelation() {
        String yaml = SOURCE
                + VIEWS.replace(
                        "        on: { id: order_id }\n",
                        "        on: { id: order_id }\n        include: [id]\n        exclude: [sku]\n")
                + PLAIN_SINKS;
        assertFails(yaml)
                .hasMessageContaining("'include' and 'exclude' together")
                .hasMessageContaining("views.orders.many.lines.include")
                .hasMessageContaining("cdc.yml:14:");
    }

    @Test
    void aViewReadingATableThatIsNotCapturedNamesTheViewAndSaysItMustBeCaptured() {
        String yaml = SOURCE.replace(", public.tags,", ",") + VIEWS + PLAIN_SINKS;
        assertFails(yaml)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("view 'orders'")
                .hasMessageContaining("public.tags")
                .hasMessageContaining("must be captured")
                .hasMessageContaining("source.tables")
                .hasMessageContaining("views.orders.many.lines.one.product.many.tags.table")
                .hasMessageContaining("cdc.yml:21:");
    }

    @Test
    void aLinkTableThatIsNotCapturedIsAnErrorToo() {
        String yaml = SOURCE.replace(", public.product_tags]", "]") + VIEWS + PLAIN_SINKS;
        assertFails(yaml)
                .hasMessageContaining("view 'orders'")
                .hasMessageContaining("public.product_tags")
                .hasMessageContaining("must be captured")
                .hasMessageContaining("cdc.yml:22:");
    }

    @Test
    void aSinkServingAnUndefinedViewNamesTheSinkTheViewAndTheDefinedOnes() {
        String yaml = SOURCE + VIEWS + SERVING_SINKS.replace("views: [orders]", "views: [order]");
        assertFails(yaml)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink 'cache'")
                .hasMessageContaining("view 'order'")
                .hasMessageContaining("not defined under 'views'")
                .hasMessageContaining("orders")
                .hasMessageContaining("sinks.cache.views")
                .hasMessageContaining("cdc.yml:33:");
    }

    @Test
    void aSinkServingAViewWhenNoneIsDefinedSaysSo() {
        String yaml = SOURCE + SERVING_SINKS;
        assertFails(yaml)
                .hasMessageContaining("sink 'search'")
                .hasMessageContaining("view 'orders'")
                .hasMessageContaining("not defined under 'views'")
                .hasMessageContaining("cdc.yml:9:");
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertFails(String yaml) {
        return assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"));
    }
}
