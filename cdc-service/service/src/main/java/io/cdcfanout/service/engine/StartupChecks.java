package io.cdcfanout.service.engine;

import io.cdcfanout.schema.ServiceTables;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.config.SourceConfig;
import io.cdcfanout.sink.SourceDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the source before streaming starts and prepares what the service owns there: its schema, and
 * a publication for exactly the configured tables. Every failure is a {@link StartupException} saying
 * what to do.
 *
 * <p>Changes lost to the sidecar (its slot gone or invalidated) are refused, unless this start re-snapshots ({@code run --resnapshot}, or {@code source.on-lost-slot:
 * resnapshot}): then the slot and the offsets are dropped, the engine creates a fresh slot and streams from it
 * without Debezium's own snapshot, and the service rebuilds every sink from the tables.
 */
public final class StartupChecks {

    private static final Logger LOG = LoggerFactory.getLogger(StartupChecks.class);

    private final ServiceConfig config;
    private final SourceDatabase database;
    private final boolean resnapshotAsked;

    public StartupChecks(ServiceConfig config) {
        this(config, false);
    }

    /** @param resnapshotAsked re-snapshot whether or not changes were lost ({@code run --resnapshot}) */
    public StartupChecks(ServiceConfig config, boolean resnapshotAsked) {
        this.config = config;
        this.database = config.source().postgres().asSourceDatabase();
        this.resnapshotAsked = resnapshotAsked;
    }

    /**
     * Runs every check in order and prepares the service's schema and the publication. In Kafka mode
     * ({@code source.kafka}) the connector owns slot and publication and this sidecar needs no REPLICATION: only
     * the tables, the column rules and the service's schema are checked.
     */
    public boolean run() {
        try (Connection c = connect()) {
            if (config.source().fromKafka()) {
                if (resnapshotAsked) {
                    throw new StartupException("--resnapshot does not apply with source.kafka: the connector owns the"
                            + " slot; re-snapshot through the connector (e.g. an incremental snapshot signal)");
                }
                checkTables(c);
                checkColumnRules(c);
                checkViews(c);
                createServiceTables(c);
                return false;
            }
            checkWalLevel(c);
            checkReplicationPrivilege(c);
            checkTables(c);
            checkColumnRules(c);
            checkViews(c);
            createServiceTables(c);
            String lost = lostChanges(c);
            boolean resnapshot =
                    resnapshotAsked || (lost != null && config.source().resnapshotsWhenLost());
            if (resnapshot) {
                resetPosition(c, lost);
            } else if (lost != null) {
                throw new StartupException(lost + ". To recover, start once with --resnapshot (run --config F"
                        + " --resnapshot), or set source.on-lost-slot: resnapshot to do it automatically: the slot and"
                        + " the offsets are dropped, a fresh slot is created and every sink is rebuilt from the tables,"
                        + " so rows changed or deleted meanwhile end right (history gets one version per changed row,"
                        + " and a deletion version per deleted one)");
            }
            ensurePublication(c);
            return resnapshot;
        } catch (SQLException e) {
            throw new StartupException("source check failed: " + e.getMessage(), e);
        }
    }

    Connection connect() {
        var pg = config.source().postgres();
        try {
            return database.connect("cdc-fanout startup");
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String where = pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + pg.database();
            throw new StartupException(
                    switch (state) {
                        case "28P01" ->
                            "Postgres refused the password for " + where
                                    + ": check source.postgres.user and source.postgres.password (e.g. password: ${PG_PASSWORD})";
                        case "28000" ->
                            "Postgres refused " + where + ": " + e.getMessage()
                                    + " (check the user exists and pg_hba.conf allows it from this host)";
                        case "3D000" ->
                            "database '" + pg.database() + "' does not exist on " + pg.host() + ":" + pg.port()
                                    + ": check source.postgres.database";
                        case "08001", "08004", "08006" ->
                            "cannot connect to Postgres at " + pg.host() + ":" + pg.port() + ": " + e.getMessage()
                                    + " (is it running, and are source.postgres.host/port right?)";
                        default -> "cannot connect to Postgres as " + where + ": " + e.getMessage();
                    },
                    e);
        }
    }

    private void checkWalLevel(Connection c) throws SQLException {
        String walLevel = queryString(c, "SHOW wal_level");
        if (!"logical".equals(walLevel)) {
            throw new StartupException(
                    "Postgres has wal_level=" + walLevel + ", but logical decoding needs wal_level=logical. "
                            + "Fix: run ALTER SYSTEM SET wal_level = logical; (or set it in postgresql.conf) and restart Postgres; "
                            + "in Docker: command: postgres -c wal_level=logical");
        }
    }

    private void checkReplicationPrivilege(Connection c) throws SQLException {
        String user = config.source().postgres().user();
        Boolean ok = queryBoolean(c, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user");
        if (!Boolean.TRUE.equals(ok)) {
            throw new StartupException(
                    "user '" + user + "' may not stream changes: it lacks the REPLICATION attribute. "
                            + "Fix: ALTER ROLE " + user + " WITH REPLICATION; (as a superuser)");
        }
    }

    private void checkTables(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        List<String> withoutKey = new ArrayList<>();
        for (TableId table : config.source().tables()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT c.relkind,
                           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = ? AND c.relname = ?""")) {
                ps.setString(1, table.schema());
                ps.setString(2, table.table());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        missing.add(table.toString());
                    } else if (!rs.getBoolean(2)) {
                        withoutKey.add(table.toString());
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new StartupException("table(s) " + missing + " do not exist in database '"
                    + config.source().postgres().database()
                    + "': create them, or fix source.tables (names are schema.table, e.g. public.products)");
        }
        if (!withoutKey.isEmpty()) {
            throw new StartupException(
                    "table(s) " + withoutKey + " have no primary key. cdc-fanout keeps derived state per row "
                            + "and needs a key to tell rows apart: add one (ALTER TABLE <table> ADD PRIMARY KEY (<columns>)), "
                            + "or remove the table from source.tables");
        }
    }

    /**
     * Every view must fit the catalog: its tables and columns exist, and each join column a moved row must name in
     * its old image is logged ({@link io.cdcfanout.sink.view.ViewCatalogCheck}).
     */
    private void checkViews(Connection c) throws SQLException {
        if (config.views().views().isEmpty()) {
            return;
        }
        var policy = io.cdcfanout.service.privacy.ColumnPolicy.from(config.source());
        List<String> problems = new java.util.ArrayList<>();
        for (var view : config.views().views().entrySet()) {
            var shapes =
                    io.cdcfanout.sink.view.TableShape.load(c, view.getValue().tables());
            problems.addAll(
                    io.cdcfanout.sink.view.ViewCatalogCheck.problems(view.getKey(), view.getValue(), shapes, policy));
        }
        if (!problems.isEmpty()) {
            throw new StartupException("the views do not fit the database:\n  " + String.join("\n  ", problems));
        }
    }

    /** {@code source.columns} must name existing columns, and no key column: sinks need keys to tell rows apart. */
    private void checkColumnRules(Connection c) throws SQLException {
        for (var entry : config.source().columns().entrySet()) {
            TableId table = entry.getKey();
            Set<String> existing = new TreeSet<>();
            Set<String> key = new TreeSet<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT a.attname, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary
                                                                        AND a.attnum = ANY (i.indkey))
                    FROM pg_attribute a
                    WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped""")) {
                ps.setString(1, table.quoted());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        existing.add(rs.getString(1));
                        if (rs.getBoolean(2)) {
                            key.add(rs.getString(1));
                        }
                    }
                }
            }
            Set<String> named = entry.getValue().columns();
            List<String> missing =
                    named.stream().filter(col -> !existing.contains(col)).toList();
            if (!missing.isEmpty()) {
                throw new StartupException("source.columns." + table + " names column(s) " + missing + " that " + table
                        + " does not have (it has " + existing + ")");
            }
            List<String> keyColumns = named.stream().filter(key::contains).toList();
            if (!keyColumns.isEmpty()) {
                throw new StartupException("source.columns." + table + " excludes or masks key column(s) " + keyColumns
                        + ": sinks need the primary key " + key + " to tell rows apart; remove them from the rules");
            }
        }
    }

    /**
     * Runs the DDL in one transaction under an advisory lock: sidecars that start together would otherwise race
     * on {@code CREATE SCHEMA IF NOT EXISTS}, and the loser fails with a unique violation on the catalog.
     */
    private void createServiceTables(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        try (Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT pg_advisory_xact_lock(hashtext('cdc-fanout service tables'))");
            s.execute(ServiceTables.ddl(config.offsets().schema()));
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw new StartupException(
                    "cannot create the service's schema '" + config.offsets().schema() + "': " + e.getMessage()
                            + " (grant CREATE on the database to "
                            + config.source().postgres().user() + ", or create the schema for it)",
                    e);
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Why changes were lost to the sidecar, or null: an invalidated slot, or offsets without a slot (Debezium would
     * create a new slot at the current position and resume from the stored offsets, skipping everything in between).
     * Checked for every offsets store. Offsets lost while the slot remains cannot be told from a first start that
     * stopped before its first commit; {@code --resnapshot} is the recovery for them too.
     */
    private String lostChanges(Connection c) throws SQLException {
        SourceConfig source = config.source();
        boolean hasOffsets = hasStoredOffsets(c);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT plugin, database, wal_status, active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, source.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    if (hasOffsets) {
                        return "replication slot '" + source.slot() + "' does not exist, but offsets for it are stored"
                                + " in " + offsetsLocation() + ": changes made since the slot went away are lost to"
                                + " cdc-fanout";
                    }
                    LOG.info("replication slot {} does not exist yet; it will be created", source.slot());
                    return null;
                }
                if (!"pgoutput".equals(rs.getString(1))
                        || !source.postgres().database().equals(rs.getString(2))) {
                    throw new StartupException("replication slot '" + source.slot() + "' exists but is for plugin "
                            + rs.getString(1) + " on database " + rs.getString(2)
                            + ": choose another source.slot (each instance needs its own)");
                }
                int activePid = rs.getInt(4);
                if (!rs.wasNull()) {
                    throw new StartupException(
                            "replication slot '" + source.slot() + "' is in use by another connection (pid " + activePid
                                    + "): is another cdc-fanout instance running with the same source.slot? Each instance needs its own slot");
                }
                if ("lost".equals(rs.getString(3))) {
                    return "replication slot '" + source.slot() + "' was invalidated by Postgres (wal_status=lost):"
                            + " WAL it still needed was removed (max_slot_wal_keep_size), so changes were missed";
                }
            }
        }
        return null;
    }

    /**
     * Drops the slot, the stored offsets and the progress of unfinished rebuilds (every sink is rebuilt anew), so the
     * engine starts at a fresh slot's consistent point.
     */
    private void resetPosition(Connection c, String lost) throws SQLException {
        String slot = config.source().slot();
        LOG.warn(
                "RE-SNAPSHOT ({}): dropping replication slot {} and the stored offsets; a fresh slot is created and every"
                        + " sink is rebuilt from the tables while the stream flows (search: into new indexes, swapped"
                        + " when complete; history: reconciled, one version per row that differs; cache: reloaded)",
                lost == null ? "asked for with --resnapshot" : lost,
                slot);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            ps.execute();
        }
        String schema = config.offsets().schema();
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".rebuilds WHERE instance = ?")) {
            ps.setString(1, slot);
            ps.executeUpdate();
        }
        if (config.offsets().inPostgres()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".offsets WHERE instance = ?")) {
                ps.setString(1, slot);
                ps.executeUpdate();
            }
        } else {
            try {
                java.nio.file.Files.deleteIfExists(config.offsets().path());
            } catch (java.io.IOException e) {
                throw new StartupException(
                        "cannot delete the offsets file "
                                + config.offsets().path().toAbsolutePath() + " to" + " re-snapshot: " + e.getMessage(),
                        e);
            }
        }
    }

    /** Whether this instance's offsets are stored, in whichever store {@code offsets.store} names. */
    private boolean hasStoredOffsets(Connection c) throws SQLException {
        if (!config.offsets().inPostgres()) {
            return OffsetsFile.holdsOffsetsOf(
                    config.offsets().path(),
                    DebeziumProperties.connectorName(config.source().slot()));
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM " + config.offsets().schema() + ".offsets WHERE instance = ?)")) {
            ps.setString(1, config.source().slot());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private String offsetsLocation() {
        return config.offsets().inPostgres()
                ? config.offsets().schema() + ".offsets"
                : "the file " + config.offsets().path().toAbsolutePath() + " (offsets.path)";
    }

    private void ensurePublication(Connection c) throws SQLException {
        String publication = config.source().publication();
        Set<String> wanted =
                config.source().tables().stream().map(TableId::toString).collect(Collectors.toCollection(TreeSet::new));
        String tableList =
                config.source().tables().stream().map(TableId::quoted).collect(Collectors.joining(", "));
        Set<String> current = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (rs.getBoolean(1)) {
                        throw new StartupException(
                                "publication '" + publication + "' is FOR ALL TABLES; cdc-fanout needs one for exactly "
                                        + wanted + ": choose another source.publication or drop it");
                    }
                    current = new TreeSet<>();
                }
            }
        }
        try (Statement s = c.createStatement()) {
            if (current == null) {
                s.execute("CREATE PUBLICATION \"" + publication + "\" FOR TABLE " + tableList);
                LOG.info("created publication {} for {}", publication, wanted);
                return;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        current.add(rs.getString(1));
                    }
                }
            }
            if (!current.equals(wanted)) {
                s.execute("ALTER PUBLICATION \"" + publication + "\" SET TABLE " + tableList);
                LOG.info("publication {} now covers {} (was {})", publication, wanted, current);
            }
        } catch (SQLException e) {
            throw new StartupException(
                    "cannot create or alter publication '" + publication + "': " + e.getMessage()
                            + " (the user must own the tables, or a superuser creates it: CREATE PUBLICATION "
                            + publication
                            + " FOR TABLE " + tableList + ")",
                    e);
        }
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static Boolean queryBoolean(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getBoolean(1) : null;
        }
    }
}
