package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /v1/accounts/{id} pages an account's people: a catch-all account holds thousands, and the
 * whole view cost every person's facts. Following peopleNext yields every person exactly once.
 */
class AccountPeoplePagesIT {
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;
    static String account;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp).start();
        List<String> records = new ArrayList<>(List.of("{\"type\":\"account\",\"id\":\"U\",\"name\":\"Unknown\"}"));
        for (int i = 0; i < 250; i++) {
            records.add("{\"type\":\"person\",\"id\":\"" + i + "\",\"email\":\"u" + i + "@catchall.example\"}");
            records.add("{\"type\":\"accountPerson\",\"accountId\":\"U\",\"personId\":\"" + i + "\"}");
        }
        CohortApp.Response r = app.post("/v1/sources/generic/records", "application/json",
                "{\"records\":[" + String.join(",", records) + "]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
        account = app.get("/v1/profiles?email=u0@catchall.example").json().get("accounts").get(0).get("id").asText();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    @Test
    void followingPeopleNextYieldsEveryPersonOnce() {
        Set<String> seen = new LinkedHashSet<>();
        String after = null;
        List<Integer> sizes = new ArrayList<>();
        do {
            JsonNode page = app.get("/v1/accounts/" + account + (after == null ? "" : "?peopleAfter=" + after)).json();
            assertThat(page.get("peopleTotal").asInt()).isEqualTo(250);
            assertThat(page.get("opportunityTotals")).isNotNull();
            sizes.add(page.get("people").size());
            page.get("people").forEach(p -> assertThat(seen.add(p.get("id").asText())).as("seen once: " + p).isTrue());
            after = page.get("peopleNext").isNull() ? null : page.get("peopleNext").asText();
        } while (after != null);
        assertThat(sizes).containsExactly(100, 100, 50);
        assertThat(seen).hasSize(250);

        JsonNode whole = app.get("/v1/accounts/" + account + "?peopleLimit=1000").json();
        assertThat(whole.get("people")).hasSize(250);
        assertThat(whole.get("peopleNext").isNull()).isTrue();
        List<String> emails = new ArrayList<>();
        whole.get("people").forEach(p -> emails.add(p.get("email").asText()));
        assertThat(emails).as("sorted by email within a page").isSorted();
    }

    @Test
    void aLimitOutOfRangeOrACursorThatIsNotAPersonIdIsA400() {
        for (String q : new String[] {"peopleLimit=0", "peopleLimit=1001", "peopleLimit=ten", "peopleAfter=../x", "peopleAfter=%20"}) {
            CohortApp.Response r = app.get("/v1/accounts/" + account + "?" + q);
            assertThat(r.status()).as(q + ": " + r).isEqualTo(400);
            assertThat(r.json().get("message").asText()).as(q).contains(q.substring(0, q.indexOf('=')));
        }
    }
}
