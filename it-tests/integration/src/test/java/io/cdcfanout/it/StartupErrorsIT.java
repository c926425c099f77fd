package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.engine.StartupException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A source that cannot work as configured fails at start with a message that says what to fix. */
@ExtendWith(BackendsExtension.class)
class StartupErrorsIT {

    private static final String CACHE = """
              cache:
                type: caffeine
                tables: [public.items]
            """;

    @Test
    void missingTableIsNamed(TestDatabase db) {
        assertThatThrownBy(() -> start(RunningService.configYaml(db, slot(), "public.items", CACHE)))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("[public.items] do not exist")
                .hasMessageContaining("source.tables");
    }

    @Test
    void tableWithoutPrimaryKeySaysWhatToDo(TestDatabase db) {
        db.execute("CREATE TABLE items (id int, v text)");
        assertThatThrownBy(() -> start(RunningService.configYaml(db, slot(), "public.items", CACHE)))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("[public.items] have no primary key")
                .hasMessageContaining("ADD PRIMARY KEY");
    }

    @Test
    void wrongPasswordIsReported(TestDatabase db) {
        Assumptions.assumeTrue(
                passwordsEnforced(db),
                "this Postgres trusts every local connection (pg_hba 'trust'), "
                        + "so a wrong password cannot be refused; the local-process and Docker backends enforce passwords");
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY)",
                "CREATE ROLE wrong_pw_user LOGIN REPLICATION PASSWORD 'right'");
        String yaml = RunningService.configYaml(db, slot(), "public.items", CACHE)
                .replaceFirst("user: [^,]+, password: \"[^\"]*\"", "user: wrong_pw_user, password: \"wrong\"");
        assertThatThrownBy(() -> start(yaml))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("wrong_pw_user")
                .hasMessageContaining("source.postgres.password");
    }

    @Test
    void missingReplicationPrivilegeSaysHowToGrantIt(TestDatabase db) {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY)",
                "DROP ROLE IF EXISTS no_repl_user",
                "CREATE ROLE no_repl_user LOGIN PASSWORD 'pw'");
        String yaml = RunningService.configYaml(db, slot(), "public.items", CACHE)
                .replaceFirst("user: [^,]+, password: \"[^\"]*\"", "user: no_repl_user, password: \"pw\"");
        assertThatThrownBy(() -> start(yaml))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("lacks the REPLICATION attribute")
                .hasMessageContaining("ALTER ROLE no_repl_user WITH REPLICATION");
    }

    @Test
    void slotInUseByAnotherInstanceIsRefused(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE items (id int PRIMARY KEY)");
        String slot = slot();
        try (RunningService first = RunningService.start(db, slot, "public.items", CACHE)) {
            first.awaitReady();
            Awaitility.await("slot active").atMost(Duration.ofSeconds(30)).until(() -> slotActive(db, slot));
            assertThatThrownBy(() -> start(RunningService.configYaml(db, slot, "public.items", CACHE)))
                    .isInstanceOf(StartupException.class)
                    .hasMessageContaining("is in use by another connection")
                    .hasMessageContaining("Each instance needs its own slot");
        }
    }

    private static boolean passwordsEnforced(TestDatabase db) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND auth_method = 'trust'")) {
            rs.next();
            return rs.getInt(1) == 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean slotActive(TestDatabase db, String slot) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static String slot() {
        return Backends.uniqueName("err");
    }

    private static void start(String yaml) throws Exception {
        CdcService.start(RunningService.parse(yaml)).close();
    }
}
