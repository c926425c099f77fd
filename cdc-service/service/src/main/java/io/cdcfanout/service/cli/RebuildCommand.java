package io.cdcfanout.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Asks a running sidecar to rebuild (or stop rebuilding) a sink's view of its tables, and can wait for it. */
@Command(
        name = "rebuild",
        mixinStandardHelpOptions = true,
        description = "Rebuild a running sidecar's sink from its source tables while the stream keeps flowing"
                + " (POST /sinks/NAME/rebuild). Exit code 0 when queued (or, with --wait, done), 1 when a rebuild"
                + " failed or was cancelled, 2 when the sidecar refused the request, 3 when it cannot be asked.")
final class RebuildCommand implements Callable<Integer> {

    static final int OK = 0;
    static final int NOT_DONE = 1;
    static final int REFUSED = 2;
    static final int UNREACHABLE = 3;

    @Option(names = "--sink", required = true, paramLabel = "NAME", description = "the sink to rebuild")
    String sink;

    @Option(
            names = "--table",
            paramLabel = "SCHEMA.TABLE",
            description = "only this table of the sink (default: every table it holds)")
    String table;

    @Option(names = "--chunk-size", paramLabel = "ROWS", description = "rows per chunk (default: the service's, 1000)")
    Integer chunkSize;

    @Option(
            names = "--rows-per-second",
            paramLabel = "ROWS",
            description = "read at most this many rows per second from the source (default: no limit)")
    Integer rowsPerSecond;

    @Option(names = "--cancel", description = "stop the sink's queued and running rebuilds instead")
    boolean cancel;

    @Option(names = "--wait", description = "wait until the rebuilds finish, printing their progress")
    boolean await;

    @Mixin
    SidecarHttp sidecar;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            HttpResponse<String> response = sidecar.send(cancel ? "DELETE" : "POST", path() + query());
            if (response.statusCode() == 401) {
                err.println(sidecar.url + " wants a bearer token: pass --token or set CDC_HTTP_TOKEN");
                return UNREACHABLE;
            }
            if (response.statusCode() / 100 != 2) {
                err.println("sink " + sink + ": " + error(response));
                err.flush();
                return REFUSED;
            }
            JsonNode rebuilds = RowJson.MAPPER.readTree(response.body()).path("rebuilds");
            Set<Long> ids = new HashSet<>();
            for (JsonNode r : rebuilds) {
                ids.add(r.path("id").asLong());
                out.println(line(r));
            }
            if (rebuilds.isEmpty()) {
                out.println(cancel ? "nothing to cancel" : "nothing queued");
            }
            out.flush();
            return await && !cancel ? awaitFinal(ids, out) : OK;
        } catch (IOException e) {
            err.println("cannot reach " + sidecar.url + ": " + e);
            err.flush();
            return UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNREACHABLE;
        }
    }

    private int awaitFinal(Set<Long> ids, PrintWriter out) throws IOException, InterruptedException {
        while (true) {
            Thread.sleep(1000);
            HttpResponse<String> response = sidecar.send("GET", path());
            boolean allFinal = true;
            boolean allDone = true;
            for (JsonNode r : RowJson.MAPPER.readTree(response.body()).path("rebuilds")) {
                if (!ids.contains(r.path("id").asLong())) {
                    continue;
                }
                String phase = r.path("phase").asText();
                boolean isFinal = phase.equals("DONE") || phase.equals("CANCELLED") || phase.equals("FAILED");
                allFinal &= isFinal;
                allDone &= phase.equals("DONE");
                out.println(line(r));
            }
            out.flush();
            if (allFinal) {
                return allDone ? OK : NOT_DONE;
            }
        }
    }

    static String line(JsonNode r) {
        long estimated = r.path("rows_estimated").asLong(-1);
        StringBuilder line = new StringBuilder()
                .append('#')
                .append(r.path("id").asLong())
                .append(' ')
                .append(r.path("sink").asText())
                .append(' ')
                .append(r.path("table").asText())
                .append(": ")
                .append(r.path("phase").asText())
                .append(", ")
                .append(r.path("rows_copied").asLong())
                .append(estimated >= 0 ? " of ~" + estimated : "")
                .append(" rows");
        if (r.path("rows_rejected").asLong() > 0) {
            line.append(", ").append(r.path("rows_rejected").asLong()).append(" refused (see the dead letters)");
        }
        if (r.hasNonNull("error")) {
            line.append(" (").append(r.path("error").asText()).append(')');
        }
        return line.toString();
    }

    private String path() {
        return "/sinks/" + URLEncoder.encode(sink, StandardCharsets.UTF_8) + "/rebuild";
    }

    private String query() {
        StringBuilder q = new StringBuilder();
        append(q, "table", table);
        if (!cancel) {
            append(q, "chunk_size", chunkSize == null ? null : chunkSize.toString());
            append(q, "rows_per_second", rowsPerSecond == null ? null : rowsPerSecond.toString());
        }
        return q.toString();
    }

    private static void append(StringBuilder q, String name, String value) {
        if (value != null) {
            q.append(q.isEmpty() ? '?' : '&')
                    .append(name)
                    .append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    private static String error(HttpResponse<String> response) {
        try {
            JsonNode body = RowJson.MAPPER.readTree(response.body());
            if (body.hasNonNull("error")) {
                return body.path("error").asText() + " (HTTP " + response.statusCode() + ")";
            }
            if (body.hasNonNull("title")) {
                return body.path("title").asText() + " (HTTP " + response.statusCode() + ")";
            }
        } catch (IOException e) {
            // not JSON: show it as it is
        }
        return "HTTP " + response.statusCode() + ": " + response.body();
    }
}
