package io.cdcfanout.it.deadletters;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Masks;
import io.cdcfanout.it.support.RunningService;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A change the converter cannot decode, on a table with excluded and masked columns: its dead letter keeps
 * the key, position, reason and the allowed columns, but neither an excluded column nor a raw masked value.
 *
 * <p>The undecodable change is provoked for real: the table loses its primary key and then its key column
 * while the service runs, so the next insert arrives without a key and without the key columns last seen.
 */
@ExtendWith(BackendsExtension.class)
class DeadLetterPrivacyIT {

    private static final String MASK_KEY = "mask-key-DeadLetterPrivacyIT-77";

    @Test
    void anUndecodableChangeIsDeadLetteredWithTheColumnRulesApplied(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, ssn text)",
                "CREATE TABLE others (id int PRIMARY KEY, v text)");
        String slot = Backends.uniqueName("dl_privacy");
        String yaml = RunningService.configYaml(db, slot, "public.customers, public.others", """
                  cache: { type: caffeine, tables: [public.customers, public.others] }
                """)
                .replace("  tables: [public.customers, public.others]\n", """
                  tables: [public.customers, public.others]
                  columns:
                    public.customers: { exclude: [ssn], mask: [email] }
                  mask-key: "%s"
                """.formatted(MASK_KEY));
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            db.execute("INSERT INTO customers VALUES (1, 'Alice', 'alice@example.com', '123-45-6789')");
            service.awaitCaughtUp(db);

            db.execute(
                    "ALTER TABLE customers DROP CONSTRAINT customers_pkey",
                    "ALTER TABLE customers DROP COLUMN id",
                    "INSERT INTO customers (name, email, ssn) VALUES ('Carol', 'carol@example.com', '555-12-3456')",
                    "INSERT INTO others VALUES (1, 'later change')");
            service.awaitCaughtUp(db);

            assertThat(service.get("/cache/public.others/1").statusCode())
                    .as("the change after it still arrived")
                    .isEqualTo(200);
            List<String> letters = undecodableLetters(db);
            assertThat(letters)
                    .as("dead letters of public.customers from the converter")
                    .hasSize(1);
            String letter = letters.get(0);
            System.out.println("DEAD LETTER " + letter);
            assertThat(letter).as("the allowed column is kept").contains("Carol");
            assertThat(letter).as("the masked column is kept masked").contains(hmac("carol@example.com"));
            assertThat(letter)
                    .doesNotContain("carol@example.com")
                    .doesNotContain("555-12-3456")
                    .doesNotContain("ssn");
        }
    }

    /** Every column of each converter dead letter of public.customers, as one text. */
    private static List<String> undecodableLetters(TestDatabase db) throws Exception {
        List<String> letters = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT d::text FROM cdc_fanout.dead_letters d"
                        + " WHERE sink = '(converter)' AND table_name = 'public.customers'")) {
            while (rs.next()) {
                letters.add(rs.getString(1));
            }
        }
        return letters;
    }

    private static String hmac(String value) {
        return Masks.hmac(MASK_KEY, value);
    }
}
