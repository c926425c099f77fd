package io.cdcfanout.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Asks a running sidecar for {@code /status} and {@code /ready} and prints them. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description =
                "Show a running sidecar's status: source positions, slot lag, and per sink its state, last applied LSN, "
                        + "lag and counts. Exit code 0 when it is ready, 1 when it is not, 3 when it cannot be asked (unreachable, 401).")
final class StatusCommand implements Callable<Integer> {

    static final int READY = 0;
    static final int NOT_READY = 1;
    static final int UNREACHABLE = 3;

    @Mixin
    SidecarHttp sidecar;

    @Option(names = "--json", description = "print /status as the service returns it (JSON)")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HttpResponse<String> status;
        HttpResponse<String> ready;
        try {
            status = sidecar.send("GET", "/status");
            ready = sidecar.send("GET", "/ready");
        } catch (IOException e) {
            err.println("cannot reach " + sidecar.url + ": " + e);
            return UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNREACHABLE;
        }
        if (status.statusCode() == 401) {
            err.println(sidecar.url + " wants a bearer token: pass --token or set CDC_HTTP_TOKEN");
            return UNREACHABLE;
        }
        if (status.statusCode() != 200) {
            err.println(sidecar.url + "/status answered " + status.statusCode() + ": " + status.body());
            return UNREACHABLE;
        }
        boolean isReady = ready.statusCode() == 200;
        if (json) {
            out.println(status.body());
        } else {
            try {
                out.print(StatusTable.render(sidecar.url, isReady, RowJson.MAPPER.readTree(status.body())));
            } catch (IOException e) {
                err.println(sidecar.url + "/status did not answer JSON: " + e.getMessage());
                return UNREACHABLE;
            }
        }
        out.flush();
        return isReady ? READY : NOT_READY;
    }

    /** {@code /status} as aligned text columns. */
    static final class StatusTable {

        private static final List<String> HEADER = List.of(
                "SINK", "TYPE", "STATE", "LAST APPLIED LSN", "LAG MS", "APPLIED", "REJECTED", "RETRIES", "LAST ERROR");

        private StatusTable() {}

        static String render(URI url, boolean ready, JsonNode status) {
            StringBuilder out = new StringBuilder();
            JsonNode source = status.path("source");
            out.append("cdc-fanout at ")
                    .append(url)
                    .append(": ")
                    .append(ready ? "READY" : "NOT READY")
                    .append(source.path("streaming").asBoolean() ? " (streaming)" : " (not streaming)")
                    .append('\n');
            JsonNode kafka = source.path("kafka");
            if (kafka.isObject()) {
                out.append("source: topic ")
                        .append(kafka.path("topic").asText())
                        .append(", instance ")
                        .append(kafka.path("instance").asText())
                        .append(", received ")
                        .append(source.path("received_lsn").asText("-"))
                        .append(", stored offset ")
                        .append(kafka.path("stored_offset").asLong(-1))
                        .append(", end offset ")
                        .append(kafka.path("end_offset").asLong(-1))
                        .append(", lag ")
                        .append(kafka.path("lag_records").asLong(-1))
                        .append(" records\n\n");
            } else {
                out.append("source: slot ")
                        .append(source.path("slot").asText())
                        .append(", publication ")
                        .append(source.path("publication").asText())
                        .append(", received ")
                        .append(source.path("received_lsn").asText("-"))
                        .append(", slot confirmed ")
                        .append(source.path("slot_confirmed_flush_lsn").asText("-"))
                        .append(", slot lag ")
                        .append(source.path("slot_lag_bytes").asLong(-1))
                        .append(" bytes\n\n");
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add(HEADER);
            for (Iterator<Map.Entry<String, JsonNode>> it = status.path("sinks").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> sink = it.next();
                JsonNode s = sink.getValue();
                rows.add(List.of(
                        sink.getKey(),
                        s.path("type").asText(),
                        s.path("state").asText(),
                        s.path("last_applied_lsn").asText(),
                        s.path("lag_ms").asText(),
                        s.path("applied").asText(),
                        s.path("rejected").asText(),
                        s.path("retries").asText(),
                        s.path("last_error").isNull()
                                ? ""
                                : s.path("last_error").asText()));
            }
            int[] widths = new int[HEADER.size()];
            for (List<String> row : rows) {
                for (int i = 0; i < row.size(); i++) {
                    widths[i] = Math.max(widths[i], row.get(i).length());
                }
            }
            for (List<String> row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.size(); i++) {
                    line.append(String.format("%-" + (widths[i] + 2) + "s", row.get(i)));
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
            boolean first = true;
            for (JsonNode s : status.path("sinks")) {
                for (JsonNode rebuild : s.path("rebuilds")) {
                    out.append(first ? "\nrebuilds:\n" : "")
                            .append("  ")
                            .append(RebuildCommand.line(rebuild))
                            .append('\n');
                    first = false;
                }
            }
            return out.toString();
        }
    }
}
