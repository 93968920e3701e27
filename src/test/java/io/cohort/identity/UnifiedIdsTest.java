package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.record.SourceRef;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Unified ids are stored (memberships, change feeds, destinations' lists): the way they are
 * written must never change, and the graph's numeric keys must be exactly those ids.
 */
class UnifiedIdsTest {
    @Test
    void idsAreWrittenAsTheyAlwaysWere() {
        // Values written by the string-hashing code before people were keyed by number.
        assertThat(UnifiedIds.personByEmail("u0@x.com")).isEqualTo("p-a1b7e6b5b2aadbec");
        assertThat(UnifiedIds.personByRef(new SourceRef("crm-1", "00Q0"))).isEqualTo("p-e4c24c1477a84cfe");
        assertThat(UnifiedIds.account(new SourceRef("crm-2", "0010"))).isEqualTo("a-f48210fb97be9cc1");
        assertThat(UnifiedIds.personByEmail("u1@x.com")).isEqualTo("p-d00fd3e2b808cca9");
    }

    @Test
    void aPersonIdAndItsKeyAreOneAnother() {
        Random r = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            long key = i < 4 ? new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}[i] : r.nextLong();
            String id = UnifiedIds.personId(key);
            assertThat(id).hasSize(18).startsWith("p-");
            assertThat(UnifiedIds.isPersonId(id)).isTrue();
            assertThat(UnifiedIds.personKey(id)).isEqualTo(key);
        }
        String email = "ann@townsend.com";
        assertThat(UnifiedIds.personId(UnifiedIds.personKeyByEmail(email))).isEqualTo(UnifiedIds.personByEmail(email));
    }

    @Test
    void onlyIdsWrittenAsPersonIdsHaveAKey() {
        String id = UnifiedIds.personByEmail("ann@townsend.com");
        // Upper case, a sign, other kinds, lengths and the empty or missing id name nobody.
        assertThat(id.substring(2)).as("has hex letters to put in upper case").containsPattern("[a-f]");
        for (String other : new String[] {id.toUpperCase(), "P" + id.substring(1), "p-" + id.substring(2).toUpperCase(), "p-+" + id.substring(3),
                "a" + id.substring(1), id + "0", id.substring(0, 17), "p-", "", null, "p-0x" + id.substring(4),
                "p-" + id.substring(2, 17) + "g"}) {
            assertThat(UnifiedIds.isPersonId(other)).as(String.valueOf(other)).isFalse();
        }
    }

    @Test
    void theGraphFindsPeopleOnlyByTheirExactId() throws Exception {
        ProfileGraph graph = new ProfileGraph();
        var parser = new io.cohort.ingest.RecordParser(new io.cohort.ingest.IngestLimits());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        graph.apply("crm-1", parser.parse(java.util.List.of(
                json.readTree("{\"type\":\"person\",\"id\":\"00Q1\",\"email\":\"Ann@Townsend.com\"}"),
                json.readTree("{\"type\":\"person\",\"id\":\"00Q2\"}"))), 1);
        String ann = UnifiedIds.personByEmail("ann@townsend.com");
        String noEmail = UnifiedIds.personByRef(new SourceRef("crm-1", "00Q2"));
        assertThat(graph.hasPerson(ann)).isTrue();
        assertThat(graph.hasPerson(noEmail)).isTrue();
        assertThat(graph.hasPerson(ann.toUpperCase())).isFalse();
        assertThat(graph.hasPerson("p-" + ann.substring(2).toUpperCase())).isFalse();
        assertThat(graph.hasPerson("ann@townsend.com")).isFalse();
        assertThat(graph.personIds()).containsExactlyInAnyOrder(ann, noEmail);
        assertThat(graph.personIdsUnordered()).containsExactlyInAnyOrder(ann, noEmail);
        assertThat(graph.personCount()).isEqualTo(2);
        // Draws from the keys alone give back the same ids.
        assertThat(graph.randomPeople(200, new Random(3))).hasSize(200).containsOnly(ann, noEmail).contains(ann, noEmail);
        assertThat(new ProfileGraph().randomPeople(5, new Random(3))).isEmpty();
    }

    @Test
    void domainsNormalizeAsThePatternAlwaysDid() {
        // The scheme is stripped by a compiled pattern only when "://" occurs: the same result as
        // running the pattern on every value (the old code), for values with and without a scheme.
        String[] values = {"https://www.Townsend.com/about", "HTTP://Townsend.com", "@townsend.com", "Townsend.com ",
                "www.x.com", "svn+ssh://x.com/a", "1http://x.com", "x.com://y", "://x.com", "a://", "mailto:ann@x.com",
                "https://://x.com", "", "  ", "www.", "ftp://www.x.com/y/z", "h-t.t+p://x.com"};
        for (String v : values) {
            String d = v.trim().toLowerCase(java.util.Locale.ROOT).replaceFirst("^[a-z][a-z0-9+.-]*://", "");
            if (d.startsWith("@")) d = d.substring(1);
            if (d.indexOf('/') >= 0) d = d.substring(0, d.indexOf('/'));
            if (d.startsWith("www.")) d = d.substring(4);
            assertThat(UnifiedIds.normalizeDomain(v)).as(v).isEqualTo(d);
        }
        assertThat(UnifiedIds.normalizeDomain("https://www.Townsend.com/about")).isEqualTo("townsend.com");
        assertThat(UnifiedIds.normalizeDomain(null)).isEmpty();
    }
}
