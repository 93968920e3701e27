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

    private static String random(Random r, String alphabet) {
        StringBuilder b = new StringBuilder();
        for (int n = r.nextInt(5); n > 0; n--) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }
}
