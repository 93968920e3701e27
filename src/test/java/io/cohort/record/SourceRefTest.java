package io.cohort.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SourceRef#TEXT_ORDER} is the order of the "source:id" texts, which merges follow. */
class SourceRefTest {
    private static final String ALPHABET = "ab-:_.9Zé";

    @Test
    void textOrderIsTheOrderOfTheText() {
        Random r = new Random(7);
        for (int i = 0; i < 50_000; i++) {
            SourceRef a = new SourceRef(word(r), word(r));
            SourceRef b = r.nextInt(4) == 0 ? new SourceRef(a.source(), word(r)) : new SourceRef(word(r), word(r));
            assertThat(Integer.signum(SourceRef.TEXT_ORDER.compare(a, b)))
                    .as("%s vs %s", a, b).isEqualTo(Integer.signum(a.toString().compareTo(b.toString())));
        }
        // Where the text order and the (source, id) order differ.
        SourceRef dashed = new SourceRef("a-b", "x"), plain = new SourceRef("a", "y");
        assertThat(SourceRef.TEXT_ORDER.compare(dashed, plain)).isNegative();
        assertThat(dashed.compareTo(plain)).isPositive();
    }

    private static String word(Random r) {
        StringBuilder s = new StringBuilder();
        for (int n = r.nextInt(4); n > 0; n--) s.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        return s.toString();
    }
}
