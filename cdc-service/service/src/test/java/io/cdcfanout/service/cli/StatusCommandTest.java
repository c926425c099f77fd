package io.cdcfanout.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code status} against a stand-in for the sidecar's HTTP API. */
class StatusCommandTest {

    private static final String STATUS = """
            {"source":{"slot":"cdc_fanout","publication":"cdc_fanout","streaming":true,"received_lsn":"0/1A2B3C",
                       "slot_confirmed_flush_lsn":"0/1A2B00","slot_lag_bytes":60},
             "sinks":{"cache":{"type":"caffeine","state":"READY","last_applied_lsn":"0/1A2B3C","last_commit_time":null,
                               "lag_ms":12,"applied":42,"rejected":0,"retries":0,"last_error":null},
                      "search":{"type":"elasticsearch","state":"PAUSED","last_applied_lsn":"0/1A0000","last_commit_time":null,
                                "lag_ms":5000,"applied":40,"rejected":1,"retries":3,"last_error":"connection refused"}}}""";

    private static final String KAFKA_STATUS = """
            {"source":{"streaming":true,"received_lsn":"0/1A2B3C",
                       "kafka":{"topic":"cdc_fanout.changes","partition":0,"instance":"app-1","stored_offset":1200,
                                "next_offset":1250,"end_offset":1300,"lag_records":100}},
             "sinks":{}}""";

    private static final String REBUILDING_STATUS = """
            {"source":{"slot":"s","publication":"p","streaming":true,"received_lsn":"0/1","slot_confirmed_flush_lsn":"0/1",
                       "slot_lag_bytes":0},
             "sinks":{"search":{"type":"elasticsearch","state":"READY","last_applied_lsn":"0/1","lag_ms":0,"applied":1,
                                "rejected":0,"retries":0,"last_error":null,
                                "rebuilds":[{"id":3,"sink":"search","table":"public.products","phase":"COPYING",
                                             "rows_copied":2000,"rows_estimated":10000,"chunks":2,"chunk_size":1000,
                                             "rows_per_second":0,"requested_at":"2026-12-03T07:00:00Z"}]}}}""";

    private HttpServer server;
    private volatile String statusBody = STATUS;
    private volatile int readyCode = 200;
    private volatile String seenAuthorization;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        server.createContext("/status", exchange -> {
            seenAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
            boolean authorized = "Bearer t0k".equals(seenAuthorization);
            byte[] body = (authorized ? statusBody : "{\"error\":\"missing or wrong bearer token\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(authorized ? 200 : 401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/ready", exchange -> {
            exchange.sendResponseHeaders(readyCode, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private record Result(int exitCode, String out, String err) {}

    private Result status(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        String[] all = new String[args.length + 3];
        all[0] = "status";
        all[1] = "--url";
        all[2] = "http://127.0.0.1:" + server.getAddress().getPort();
        System.arraycopy(args, 0, all, 3, args.length);
        int code = cli.execute(all);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void printsATableAndExitsZeroWhenReady() {
        Result r = status("--token", "t0k");
        assertThat(r.exitCode()).isZero();
        assertThat(seenAuthorization).isEqualTo("Bearer t0k");
        assertThat(r.out()).contains("READY (streaming)", "slot lag 60 bytes");
        assertThat(r.out()).containsPattern("SINK\\s+TYPE\\s+STATE\\s+LAST APPLIED LSN");
        assertThat(r.out())
                .containsPattern(
                        "search\\s+elasticsearch\\s+PAUSED\\s+0/1A0000\\s+5000\\s+40\\s+1\\s+3\\s+connection refused");
    }

    @Test
    void aRunningRebuildIsListedWithItsProgress() {
        statusBody = REBUILDING_STATUS;
        Result r = status("--token", "t0k");
        assertThat(r.out()).contains("rebuilds:\n  #3 search public.products: COPYING, 2000 of ~10000 rows");
    }

    @Test
    void aKafkaSourceShowsItsTopicPositionInsteadOfASlot() {
        statusBody = KAFKA_STATUS;
        Result r = status("--token", "t0k");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out())
                .contains("source: topic cdc_fanout.changes, instance app-1, received 0/1A2B3C, stored offset 1200,"
                        + " end offset 1300, lag 100 records")
                .doesNotContain("slot");
    }

    @Test
    void exitsOneWhenNotReady() {
        readyCode = 503;
        Result r = status("--token", "t0k");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("NOT READY");
    }

    @Test
    void jsonPrintsTheRawStatus() {
        Result r = status("--token", "t0k", "--json");
        assertThat(r.out().strip()).isEqualTo(STATUS);
    }

    @Test
    void missingTokenSaysHowToPassOne() {
        Result r = status();
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("--token", "CDC_HTTP_TOKEN");
    }

    @Test
    void unreachableServiceExitsThree() {
        server.stop(0);
        Result r = status("--token", "t0k");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("cannot reach");
    }
}
