package io.cdcfanout.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void parsesAndPrintsPostgresText() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.value()).isEqualTo(0x16_B374D848L);
        assertThat(lsn.toString()).isEqualTo("16/B374D848");
        assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.ZERO);
        for (String text : new String[] {"0/0", "0/1", "1/0", "A/F", "10/10", "FFFFFFFF/FFFFFFFF", "0/80000000"}) {
            assertThat(Lsn.parse(text).toString()).isEqualTo(text);
        }
    }

    @Test
    void ordersUnsigned() {
        Lsn high = Lsn.parse("FFFFFFFF/FFFFFFFF");
        assertThat(high.isAfter(Lsn.parse("1/0"))).isTrue();
        assertThat(Lsn.max(Lsn.parse("1/10"), Lsn.parse("1/2"))).isEqualTo(Lsn.parse("1/10"));
    }

    @Test
    void rejectsTextThatIsNoLsn() {
        assertThatThrownBy(() -> Lsn.parse("12345")).hasMessageContaining("not an LSN");
        assertThatThrownBy(() -> Lsn.parse("1/XYZ")).hasMessageContaining("not an LSN");
        assertThatThrownBy(() -> Lsn.parse("1FFFFFFFF/0")).hasMessageContaining("not an LSN");
    }
}
