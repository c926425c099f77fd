package io.cdcfanout.it.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.history.Scd2SinkConfig.TableMapping;
import io.cdcfanout.sink.testkit.SinkContractTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The scd2 history sink against the sink contract, on a real Postgres: a fresh database per test with the
 * source table (the sink reads its key type from the catalog). The live row is the key's current version
 * unless that is a deletion; the version count is every history row of the key, so a replay shows if it adds one.
 */
@ExtendWith(BackendsExtension.class)
class Scd2SinkContractIT extends SinkContractTest {

    private static final TableId HISTORY = TableId.parse("history.contract_items");

    private final TestDatabase db;

    Scd2SinkContractIT(TestDatabase db) {
        this.db = db;
        db.execute("CREATE TABLE " + TABLE.quoted() + " (id bigint PRIMARY KEY, name text, body text)");
    }

    @Override
    protected Sink newSink() {
        SourceDatabase source = new SourceDatabase(
                db.jdbcUrl(), db.server().superuser(), Secret.of(db.server().password()), null);
        Scd2SinkConfig config = new Scd2SinkConfig(null, null, null, Map.of(TABLE, new TableMapping(HISTORY)));
        return SinkRegistry.load()
                .create(
                        "scd2",
                        "history",
                        config,
                        new SinkContext(source, new SimpleMeterRegistry(), Clock.systemUTC()));
    }

    @Override
    protected Optional<JsonNode> readLive(TableId table, RowKey key) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT deleted, data::text FROM " + HISTORY.quoted() + " WHERE id = ? AND valid_to IS NULL")) {
            s.setLong(1, ((Number) key.values().get(0)).longValue());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || rs.getBoolean(1)) {
                    return Optional.empty();
                }
                return Optional.of(RowJson.MAPPER.readTree(rs.getString(2)));
            }
        }
    }

    @Override
    protected OptionalLong storedVersions(TableId table, RowKey key) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM " + HISTORY.quoted() + " WHERE id = ?")) {
            s.setLong(1, ((Number) key.values().get(0)).longValue());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return OptionalLong.of(rs.getLong(1));
            }
        }
    }
}
