package io.cdcfanout.it.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.engine.StartupException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A view (issue #17) that does not fit the database it reads fails at start, before anything is streamed, with a
 * message naming the view, the key path in the file and what to fix. (A view over a table that is not captured is an
 * error at load already: {@code ViewConfigTest}.)
 */
@ExtendWith(BackendsExtension.class)
class ViewStartupErrorsIT {

    private static final String TABLES = "public.customers, public.orders, public.order_lines";

    /** A cache serving the view only; {@code %s} is the view's definition below {@code orders:}. */
    private static final String VIEWS_AND_SINKS = """
            views:
              orders:
                table: public.orders
            %s
            sinks:
              cache:
                type: caffeine
                tables: []
                views: [orders]
            """;

    private static final String ONE_CUSTOMER = """
                one:
                  customer: { table: public.customers, on: { customer_id: id } }
            """;

    private static final String MANY_LINES = """
                many:
                  lines: { table: public.order_lines, on: { id: order_id }, order-by: [id] }
            """;

    private static void createTables(TestDatabase db) {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text)",
                "CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL, sku text)",
                "INSERT INTO customers VALUES (1, 'Ada')",
                "INSERT INTO orders VALUES (1, 1, 'new')");
    }

    @Test
    void aMisspelledColumnInIncludeNamesTheViewTheKeyAndTheColumn(TestDatabase db) {
        createTables(db);
        String yaml = config(db, "    include: [id, statuss]\n" + ONE_CUSTOMER);
        assertThatThrownBy(() -> start(yaml))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("orders")
                .hasMessageContaining("views.orders.include")
                .hasMessageContaining("statuss")
                .hasMessageContaining("public.orders");
    }

    @Test
    void aMisspelledColumnInARelationsIncludeNamesTheRelation(TestDatabase db) {
        createTables(db);
        String yaml = config(
                db, "    one:\n      customer: { table: public.customers, on: { customer_id: id }, include: [nam] }\n");
        assertThatThrownBy(() -> start(yaml))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("views.orders.one.customer.include")
                .hasMessageContaining("nam")
                .hasMessageContaining("public.customers");
    }

    @Test
    void aParentJoinColumnThatDoesNotExistNamesTheViewAndTheKey(TestDatabase db) {
        createTables(db);
        String yaml = config(db, ONE_CUSTOMER.replace("customer_id: id", "customerid: id"));
        assertThatThrownBy(() -> start(yaml))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("views.orders.one.customer.on")
                .hasMessageContaining("customerid")
                .hasMessageContaining("public.orders");
    }

    @Test
    void aRelatedJoinColumnThatDoesNotExistNamesTheViewAndTheKey(TestDatabase db) {
        createTables(db);
        String yaml = config(db, ONE_CUSTOMER.replace("customer_id: id", "customer_id: ident"));
        assertThatThrownBy(() -> start(yaml))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("views.orders.one.customer.on")
                .hasMessageContaining("ident")
                .hasMessageContaining("public.customers");
    }

    @Test
    void aChildWhoseJoinColumnIsNotInItsKeyNeedsReplicaIdentityFull(TestDatabase db) throws Exception {
        createTables(db);
        String yaml = config(db, ONE_CUSTOMER + MANY_LINES);
        Throwable refused = catchThrowable(() -> start(yaml));
        assertThat(refused)
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("views.orders.many.lines")
                .hasMessageContaining("order_id")
                .hasMessageMatching("(?s).*ALTER TABLE (public|\"public\")\\.(order_lines|\"order_lines\")"
                        + " REPLICA IDENTITY FULL.*");

        // what the message says to run is enough: then the same file starts
        Matcher alter =
                Pattern.compile("ALTER TABLE \\S+ REPLICA IDENTITY FULL").matcher(refused.getMessage());
        assertThat(alter.find()).isTrue();
        db.execute(alter.group());
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
        }
    }

    @Test
    void aChildWhoseJoinColumnIsPartOfItsKeyNeedsNothing(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text)",
                "CREATE TABLE order_lines (order_id bigint, line int, sku text, PRIMARY KEY (order_id, line))");
        String yaml = config(db, ONE_CUSTOMER + MANY_LINES.replace("order-by: [id]", "order-by: [line]"));
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
        }
    }

    /** The file: source with {@link #TABLES}, the view {@code orders} with {@code relations}, the cache serving it. */
    private static String config(TestDatabase db, String viewBody) {
        String slot = Backends.uniqueName("viewerr");
        String base = RunningService.configYaml(db, slot, TABLES, "");
        // configYaml ends with an empty "sinks:" block: the views and the sinks come instead
        String withoutSinks = base.substring(0, base.lastIndexOf("sinks:"));
        return withoutSinks + VIEWS_AND_SINKS.formatted(viewBody.stripTrailing());
    }

    private static void start(String yaml) throws Exception {
        CdcService.start(RunningService.parse(yaml)).close();
    }
}
