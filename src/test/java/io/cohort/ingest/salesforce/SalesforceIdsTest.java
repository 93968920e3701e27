package io.cohort.ingest.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SalesforceIdsTest {
    @Test
    void fifteenCharactersGainTheSuffixSalesforceGives() {
        // Salesforce's own example of the two forms of one id.
        assertThat(SalesforceIds.canonical("001D000000IqhSL")).isEqualTo("001D000000IqhSLIAZ");
        assertThat(SalesforceIds.canonical("001D000000IqhSLIAZ")).isEqualTo("001D000000IqhSLIAZ");
        assertThat(SalesforceIds.canonical("0015000000Gv7qJ")).isEqualTo("0015000000Gv7qJAAR");
        assertThat(SalesforceIds.canonical("003000000000001")).isEqualTo("003000000000001AAA");
    }

    @Test
    void eighteenCharactersTurnedToOneCaseAreRestored() {
        assertThat(SalesforceIds.canonical("001d000000iqhsliaz")).isEqualTo("001D000000IqhSLIAZ");
        assertThat(SalesforceIds.canonical("001D000000IQHSLIAZ")).isEqualTo("001D000000IqhSLIAZ");
        assertThat(SalesforceIds.canonical("001D000000IqhSLiaz")).as("the suffix alone lower case").isEqualTo("001D000000IqhSLIAZ");
    }

    @Test
    void whatIsNoSalesforceIdIsLeftAsItIs() {
        for (String id : new String[] {"", "C-1", "001C7", "00QHs00000Xq1Le1", "001D000000IqhS-", "001D000000IqhSL-AZ",
                "001Hs00001TWNa1IAB" /* a suffix that does not fit its mixed-case letters */,
                "001D000000IqhSLIA9" /* 9 is no suffix character */, "0010000000000009AZ" /* Z makes a digit a capital */,
                "001D000000IqhSLIAZX", "ｆｕｌｌｗｉｄｔｈ１２３４５６"}) {
            assertThat(SalesforceIds.canonical(id)).as(id).isEqualTo(id);
        }
        assertThat(SalesforceIds.canonical(null)).isNull();
    }

    /** Any 15-character id: its 18-character form is fixed, and every form of it (either length, any one case) maps to it. */
    @Test
    void everyFormOfAnIdIsOneId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        Random random = new Random(15_18);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 15; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            String fifteen = b.toString();
            String eighteen = SalesforceIds.canonical(fifteen);
            assertThat(eighteen).hasSize(18).startsWith(fifteen);
            assertThat(SalesforceIds.canonical(eighteen)).isEqualTo(eighteen);
            assertThat(SalesforceIds.canonical(eighteen.toLowerCase(Locale.ROOT))).as(fifteen).isEqualTo(eighteen);
            assertThat(SalesforceIds.canonical(eighteen.toUpperCase(Locale.ROOT))).as(fifteen).isEqualTo(eighteen);
        }
    }
}
