package io.cdcfanout.it.harness;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.cdcfanout.testbackends.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.elasticsearch.ElasticsearchContainer;

/**
 * Backends in Docker containers via Testcontainers: {@code postgres:15} with
 * {@code wal_level=logical} and the official Elasticsearch image (single node, security off), started
 * in parallel. Host ports are fixed when the container is created (not Docker's random mapping),
 * so that stopping and starting a container, for outage tests, keeps its endpoint.
 */
final class DockerBackends {

    static final String ORIGIN = "docker";
    private static final String POSTGRES_IMAGE = "postgres:15";
    private static final String ELASTICSEARCH_IMAGE =
            "docker.elastic.co/elasticsearch/elasticsearch:" + System.getProperty("cdc.it.es.version", "9.5.4");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private DockerBackends() {}

    static Backends start() {
        int pgPort = FreePorts.next();
        int esPort = FreePorts.next();
        PostgreSQLContainer<?> pg = new PostgreSQLContainer<>(POSTGRES_IMAGE)
                .withUsername("postgres")
                .withPassword("it-" + Long.toHexString(System.nanoTime()))
                .withDatabaseName("postgres")
                .withCommand(
                        "postgres",
                        "-c",
                        "wal_level=logical",
                        "-c",
                        "max_replication_slots=40",
                        "-c",
                        "max_wal_senders=40",
                        "-c",
                        "max_connections=200",
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off")
                .withCreateContainerCmdModifier(cmd -> bindFixedPort(cmd.getHostConfig(), 5432, pgPort));
        ElasticsearchContainer es = new ElasticsearchContainer(ELASTICSEARCH_IMAGE)
                .withEnv("discovery.type", "single-node")
                .withEnv("xpack.security.enabled", "false")
                .withEnv("cluster.routing.allocation.disk.threshold_enabled", "false")
                .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
                .withCertPath("") // security is off: there is no CA certificate to copy out
                .withCreateContainerCmdModifier(cmd -> bindFixedPort(cmd.getHostConfig(), 9200, esPort));

        CompletableFuture<Long> esStarted = CompletableFuture.supplyAsync(() -> timed(es));
        long pgMillis;
        long esMillis;
        try {
            pgMillis = timed(pg);
            esMillis = esStarted.join();
        } catch (RuntimeException e) {
            esStarted.exceptionally(t -> 0L).join();
            es.stop();
            pg.stop();
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException r ? r : e;
        }
        String pgHost = pg.getHost();
        String esUrl = "http://" + es.getHost() + ":" + esPort;
        PostgresBackend postgres = new PostgresBackend() {
            @Override
            public String host() {
                return pgHost;
            }

            @Override
            public int port() {
                return pgPort;
            }

            @Override
            public String superuser() {
                return pg.getUsername();
            }

            @Override
            public String password() {
                return pg.getPassword();
            }

            @Override
            public void restart() {
                DockerClientFactory.instance()
                        .client()
                        .restartContainerCmd(pg.getContainerId())
                        .exec();
                awaitPostgres(this);
            }

            @Override
            public String origin() {
                return ORIGIN;
            }
        };
        ElasticsearchBackend elasticsearch = new ElasticsearchBackend() {
            @Override
            public String url() {
                return esUrl;
            }

            @Override
            public void stop() {
                DockerClientFactory.instance()
                        .client()
                        .stopContainerCmd(es.getContainerId())
                        .exec();
            }

            @Override
            public void start() {
                DockerClientFactory.instance()
                        .client()
                        .startContainerCmd(es.getContainerId())
                        .exec();
                awaitElasticsearch(esUrl);
            }

            @Override
            public String origin() {
                return ORIGIN;
            }
        };
        BackendsLog.started("Postgres", ORIGIN, postgres.jdbcUrl("postgres"), pgMillis);
        BackendsLog.started("Elasticsearch", ORIGIN, esUrl, esMillis);
        return new Backends(postgres, elasticsearch, () -> {
            try {
                es.stop();
            } finally {
                pg.stop();
            }
        });
    }

    private static long timed(GenericContainer<?> container) {
        long begin = System.nanoTime();
        container.start();
        return Duration.ofNanos(System.nanoTime() - begin).toMillis();
    }

    private static void bindFixedPort(HostConfig hostConfig, int containerPort, int hostPort) {
        hostConfig.withPortBindings(new PortBinding(Ports.Binding.bindPort(hostPort), new ExposedPort(containerPort)));
    }

    private static void awaitPostgres(PostgresBackend pg) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try (var c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(), pg.password())) {
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Postgres container not ready " + READY_TIMEOUT.toSeconds() + " s after restart", e);
                }
                pause();
            }
        }
    }

    private static void awaitElasticsearch(String url) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest health = HttpRequest.newBuilder(
                        URI.create(url + "/_cluster/health?wait_for_status=yellow&timeout=1s"))
                .timeout(Duration.ofSeconds(5))
                .build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (Exception e) {
                // not up yet
            }
            pause();
        }
        throw new IllegalStateException(
                "Elasticsearch container not healthy " + READY_TIMEOUT.toSeconds() + " s after start at " + url);
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
