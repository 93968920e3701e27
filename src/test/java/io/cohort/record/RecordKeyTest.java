package io.cohort.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keys are stored: a composite key must stay byte for byte what it was, and parse back into its parts. */
class RecordKeyTest {
    @Test
    void compositeKeysAreWrittenAsDocumented() {
        assertThat(RecordKey.of("KC-A|KC-B", "KC-C")).isEqualTo("KC-A\\|KC-B|KC-C");
        assertThat(RecordKey.of("KC-A", "KC-B|KC-C")).isEqualTo("KC-A|KC-B\\|KC-C");
        assertThat(RecordKey.of("a\\", "b")).isEqualTo("a\\\\|b");
        assertThat(RecordKey.of("0011", "0031")).isEqualTo("0011|0031");
        assertThat(RecordKey.of("", "")).isEqualTo("|");
        assertThat(RecordKey.of("only")).isEqualTo("only");
    }

    @Test
    void everyKeyParsesBackIntoItsPartsAndNoTwoPartListsShareAKey() {
        Random r = new Random(11);
        String alphabet = "ab|\\";
        Set<String> keys = new HashSet<>();
        Set<List<String>> parts = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            List<String> p = List.of(random(r, alphabet), random(r, alphabet));
            String key = RecordKey.of(p.get(0), p.get(1));
            assertThat(RecordKey.parse(key, 2)).as(p.toString()).contains(p);
            if (parts.add(p)) assertThat(keys.add(key)).as("key %s of %s taken by other parts", key, p).isTrue();
        }
    }

    /**
     * A link's derived id must fit PostgreSQL's key index (2,704 bytes a row): 1,000 characters of
     * CJK ids are ~3,000 bytes of UTF-8, refused there with a 500 though under the column's 1,024
     * characters. Such a list is named by its SHA-256; an ASCII one of the same length is kept as it is.
     */
    @Test
    void aLinkIdIsHashedWhenItsUtf8FormWouldNotFitTheKeyIndex() {
        Random r = new Random(5);
        List<SourceRef> cjk = new java.util.ArrayList<>();
        List<SourceRef> ascii = new java.util.ArrayList<>();
        for (int k = 0; k < 4; k++) {
            StringBuilder id = new StringBuilder();
            for (int i = 0; i < 240; i++) id.append((char) (0x4E00 + r.nextInt(0x5000)));
            cjk.add(new SourceRef("crm-1", id.toString()));
            ascii.add(new SourceRef("crm-1", "a".repeat(239) + k));
        }
        String wide = RecordKey.linkId(cjk);
        assertThat(wide).startsWith("sha256:").hasSize(7 + 64);
        assertThat(RecordKey.linkId(List.of(cjk.get(2), cjk.get(0), cjk.get(3), cjk.get(1)))).isEqualTo(wide);
        String narrow = RecordKey.linkId(ascii);
        assertThat(narrow).startsWith("crm-1:aaa").hasSize(4 * 246 + 3);
        // Explicit keys need no such care: two ids of 255 three-byte characters, or of escaped separators.
        String cjkMax = "\u9fff".repeat(255);
        assertThat(com.google.common.base.Utf8.encodedLength(RecordKey.of(cjkMax, cjkMax))).isLessThanOrEqualTo(RecordKey.MAX_KEY_BYTES);
        assertThat(com.google.common.base.Utf8.encodedLength(RecordKey.of("|".repeat(255), "\\".repeat(255)))).isLessThanOrEqualTo(RecordKey.MAX_KEY_BYTES);
    }

    private static String random(Random r, String alphabet) {
        StringBuilder b = new StringBuilder();
        for (int n = r.nextInt(5); n > 0; n--) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }
}
