package io.cdcfanout.demo;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.pipeline.SinkStatus;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.testbackends.BackendsUnavailableException;
import io.cdcfanout.testbackends.ElasticsearchDistribution;
import io.cdcfanout.testbackends.LocalBackends;
import io.cdcfanout.testbackends.LocalPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar it-tests/demo/target/cdc-fanout-demo.jar}: cdc-fanout on a laptop with nothing set up.
 * Starts a local Postgres and Elasticsearch (as the tests do), creates a small shop schema, runs the
 * service with all three sinks and a gentle write load, and prints a live view. Ctrl-C stops
 * everything it started.
 */
public final class Demo {

    private static final String SHOP_SCHEMA = """
            CREATE TABLE products  (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL, stock int NOT NULL);
            CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, country text NOT NULL);
            CREATE TABLE tax_rates (country text PRIMARY KEY, rate numeric(5,4) NOT NULL);
            CREATE TABLE orders    (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, product_id bigint NOT NULL,
                                    qty int NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO tax_rates VALUES ('DE', 0.19), ('FR', 0.20), ('NL', 0.21);
            INSERT INTO products SELECT g, 'product ' || g, (10 + g * 1.5)::numeric(10,2), 100 FROM generate_series(1, 20) g;
            INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com', (ARRAY['DE','FR','NL'])[1 + g % 3]
              FROM generate_series(1, 10) g;
            """;

    private static final String CONFIG = """
            source:
              postgres: { host: %s, port: %d, database: shop, user: %s, password: "${DEMO_PG_PASSWORD}" }
              slot: cdc_fanout_demo
              publication: cdc_fanout_demo
              tables: [public.products, public.customers, public.tax_rates, public.orders]
            http: { port: %d }
            sinks:
              search:
                type: elasticsearch
                url: %s
                tables:
                  public.products: { index: products }
                  public.orders: { index: orders }
              cache:
                type: caffeine
                tables: [public.products, public.customers]
              history:
                type: scd2
                tables:
                  public.tax_rates: { history-table: history.tax_rates }
                  public.products: { history-table: history.products }
            """;

    private Demo() {}

    public static void main(String[] args) throws Exception {
        LocalBackends backends;
        int httpPort;
        try {
            httpPort = httpPort(args);
            Map<String, String> env = System.getenv();
            say("starting a local Postgres and Elasticsearch (Elasticsearch takes 20-60 s)...");
            backends = LocalBackends.start(env, ElasticsearchDistribution.find(env), Demo::say);
        } catch (BackendsUnavailableException e) {
            // a missing prerequisite: the one line that says what to do, no stack trace
            System.err.println("cdc-fanout demo: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable[] stop = new Runnable[1];
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            say("stopping...");
                            stop[0].run();
                            stopped.countDown();
                        },
                        "demo-stop"));
        stop[0] = backends::close;

        LocalPostgres pg = backends.postgres();
        createShop(pg);
        String yaml = CONFIG.formatted(
                pg.host(),
                pg.port(),
                pg.superuser(),
                httpPort,
                backends.elasticsearch().url());
        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), Map.of("DEMO_PG_PASSWORD", pg.password()))
                .parse(yaml, "demo.yml");
        CdcService service = CdcService.start(config);
        awaitSnapshotApplied(service, pg);
        WriteLoad load = new WriteLoad(pg.jdbcUrl("shop"), pg.superuser(), pg.password());
        load.start();
        stop[0] = () -> {
            load.close();
            service.close();
            backends.close();
        };

        String base = "http://127.0.0.1:" + service.httpPort();
        say("READY. cdc-fanout is streaming the shop database to Elasticsearch, the cache and history. Try:");
        say("  curl " + base + "/status");
        say("  curl " + base + "/cache/public.products/1");
        say("  curl " + base + "/cache/public.customers/3");
        say("  curl '" + base + "/history/public.tax_rates/DE'");
        say("  curl '" + base + "/history/public.products/1?as_of=" + java.time.Instant.now() + "'");
        say("  curl '" + backends.elasticsearch().url() + "/products/_search?q=name:product&size=3'");
        say("  psql " + "postgresql://" + pg.superuser() + "@" + pg.host() + ":" + pg.port() + "/shop   (password: "
                + pg.password() + ")");
        say("Ctrl-C stops everything.");
        while (!stopped.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
            StringBuilder line = new StringBuilder("writes=" + load.writes());
            for (SinkStatus s : service.sinkStatuses()) {
                line.append(" | ")
                        .append(s.name())
                        .append(' ')
                        .append(s.state())
                        .append(" applied=")
                        .append(s.applied())
                        .append(" lag=")
                        .append(s.lagMillis())
                        .append("ms");
            }
            line.append(" | slot lag=")
                    .append(service.sourceStatus().slotLagBytes())
                    .append("B");
            say(line.toString());
        }
    }

    /** The HTTP port from the first argument (default 8080), checked to be free before anything starts. */
    private static int httpPort(String[] args) {
        int port;
        try {
            port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        } catch (NumberFormatException e) {
            throw new BackendsUnavailableException("the argument '" + args[0]
                    + "' is not a port number; usage: java -jar cdc-fanout-demo.jar [http-port]");
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            throw new BackendsUnavailableException(
                    "port " + port + " is not free (" + e.getMessage()
                            + "); give the demo another HTTP port, e.g. java -jar it-tests/demo/target/cdc-fanout-demo.jar 18080");
        }
        return port;
    }

    /** Waits until every sink has applied everything written so far (the initial snapshot included). */
    private static void awaitSnapshotApplied(CdcService service, LocalPostgres pg) throws Exception {
        Lsn target;
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("shop"), pg.superuser(), pg.password());
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            target = Lsn.parse(rs.getString(1));
        }
        while (!service.streaming()
                || service.sinkStatuses().stream().anyMatch(s -> target.isAfter(s.lastAppliedLsn()))) {
            if (service.termination().isDone()) {
                throw new IllegalStateException("the service stopped during start-up; see the log above");
            }
            if (service.streaming()) {
                service.fence();
            }
            Thread.sleep(200);
        }
    }

    private static void createShop(LocalPostgres pg) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(), pg.password());
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE shop");
        }
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("shop"), pg.superuser(), pg.password());
                Statement s = c.createStatement()) {
            s.execute(SHOP_SCHEMA);
        }
    }

    /** The unpacked server next to this jar ({@code it-tests/target/elasticsearch-*}), or {@code CDC_DEMO_ES_HOME}. */
    static void say(String line) {
        System.out.println("[demo] " + line);
        System.out.flush();
    }
}
