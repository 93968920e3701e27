package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.TreeMap;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * The upgrade of a database written with '|'-joined keys: rows whose key parts hold '|' or '\'
 * (and generated MDM link ids whose member ids hold '+' or '\') are re-keyed from their stored
 * JSON; every other row is left byte for byte as it was.
 */
class UnambiguousKeysMigrationTest {

    @Test
    void oldKeysAreRecomputedFromTheStoredJsonAndOthersAreUntouched() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:keys-" + System.nanoTime() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Migrations.migrate(ds);
        try (Connection c = ds.getConnection()) {
            // What the previous version stored, and the migration not yet run.
            insert(c, "crm-1", "accountPerson", "KC-A|KC-B|KC-C", "{\"type\":\"accountPerson\",\"accountId\":\"KC-A|KC-B\",\"personId\":\"KC-C\",\"role\":null}");
            insert(c, "crm-1", "campaignMember", "C\\1|P", "{\"type\":\"campaignMember\",\"campaignId\":\"C\\\\1\",\"personId\":\"P\",\"status\":\"sent\"}");
            insert(c, "crm-1", "accountPerson", "A1|P1", "{\"type\":\"accountPerson\",\"accountId\":\"A1\",\"personId\":\"P1\",\"role\":null}");
            insert(c, "crm-1", "person", "a|b", "{\"type\":\"person\",\"id\":\"a|b\",\"attributes\":{}}");
            insert(c, "mdm", "accountLink", "crm-1:1+crm-1:2+crm-1:3",
                    "{\"type\":\"accountLink\",\"id\":\"crm-1:1+crm-1:2+crm-1:3\",\"name\":null,\"accounts\":[{\"source\":\"crm-1\",\"id\":\"1+crm-1:2\"},{\"source\":\"crm-1\",\"id\":\"3\"}]}");
            insert(c, "mdm", "accountLink", "crm-1:a+crm-2:b",
                    "{\"type\":\"accountLink\",\"id\":\"crm-1:a+crm-2:b\",\"name\":null,\"accounts\":[{\"source\":\"crm-1\",\"id\":\"a\"},{\"source\":\"crm-2\",\"id\":\"b\"}]}");
            insert(c, "mdm", "accountLink", "MDM+7", "{\"type\":\"accountLink\",\"id\":\"MDM+7\",\"name\":null,\"accounts\":[{\"source\":\"crm-1\",\"id\":\"x+y\"},{\"source\":\"crm-2\",\"id\":\"z\"}]}");
            insert(c, "crm-1", "accountPerson", "broken|x|y", "{not json");
            c.createStatement().execute("DELETE FROM DATABASECHANGELOG WHERE ID = '004-unambiguous-record-keys'");
        }
        Map<String, String> before = rows(ds);

        Migrations.migrate(ds);

        Map<String, String> after = rows(ds);
        assertThat(after).hasSameSizeAs(before);
        assertThat(after).containsKey("crm-1/accountPerson/KC-A\\|KC-B|KC-C").doesNotContainKey("crm-1/accountPerson/KC-A|KC-B|KC-C");
        assertThat(after.get("crm-1/accountPerson/KC-A\\|KC-B|KC-C")).isEqualTo(before.get("crm-1/accountPerson/KC-A|KC-B|KC-C"));
        assertThat(after).containsKey("crm-1/campaignMember/C\\\\1|P");
        assertThat(after.get("mdm/accountLink/crm-1:1\\+crm-1:2+crm-1:3")).contains("\"id\":\"crm-1:1\\\\+crm-1:2+crm-1:3\"");
        // Untouched: keys without those characters, single-field keys, ids an MDM gave, unreadable rows.
        for (String k : new String[] {"crm-1/accountPerson/A1|P1", "crm-1/person/a|b", "mdm/accountLink/crm-1:a+crm-2:b",
                "mdm/accountLink/MDM+7", "crm-1/accountPerson/broken|x|y"}) {
            assertThat(after.get(k)).as(k).isEqualTo(before.get(k));
        }
    }

    static void insert(Connection c, String source, String type, String key, String payload) throws Exception {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO source_record (source, rtype, rkey, payload, batch_seq) VALUES (?, ?, ?, ?, 1)")) {
            s.setString(1, source);
            s.setString(2, type);
            s.setString(3, key);
            s.setString(4, payload);
            s.execute();
        }
    }

    static Map<String, String> rows(JdbcDataSource ds) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT source, rtype, rkey, payload FROM source_record")) {
            while (rs.next()) out.put(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3), rs.getString(4));
        }
        return out;
    }
}
