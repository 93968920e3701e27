package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules can tell an account that step 2 does not go through (engine.stepTwoLimit, here 2) by its
 * {@code peopleInReach}, with the example rule of rules/README.md, which looks one step only. So
 * an account that crosses the limit changes a fact every one of its people sees, though the batch
 * that made it cross names only one of them: all of them enter, and leave when it is back under;
 * the same when an MDM link joins two accounts into one over the limit, and for a deal's contact
 * roles. The account and profile views show the field as rules see it.
 */
class PeopleInReachIT {
    private static final String SEGMENT = "accounts-too-large-to-judge";
    @TempDir static Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp, ConfigOverride.config("engine.stepTwoLimit", "2"));
        Files.copy(Path.of("src/test/resources/reliability/rules-limit/too-large.drl"), app.rules.resolve("too-large.drl"));
        Files.copy(Path.of("src/test/resources/reliability/rules-limit/deal-too-large.drl"), app.rules.resolve("deal-too-large.drl"));
        app.start();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static void post(String... records) throws Exception { app.ingest("generic", records); }

    static String account(String id) { return "{\"type\":\"account\",\"id\":\"" + id + "\",\"name\":\"Account " + id + "\"}"; }

    static String person(String id) { return "{\"type\":\"person\",\"id\":\"" + id + "\",\"email\":\"" + id + "@reach.example\"}"; }

    static String related(String account, String person, boolean deleted) {
        return "{\"type\":\"accountPerson\",\"accountId\":\"" + account + "\",\"personId\":\"" + person + "\""
                + (deleted ? ",\"deleted\":true" : "") + "}";
    }

    static JsonNode profile(String person) {
        CohortApp.Response r = app.get("/v1/profiles?email=" + person + "@reach.example");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    static boolean member(String person) { return member(person, SEGMENT); }

    static boolean member(String person, String segment) {
        List<String> out = new ArrayList<>();
        profile(person).path("segments").forEach(s -> {
            if (s.path("status").asText().equals("realized")) out.add(s.path("segmentId").asText());
        });
        return out.contains(segment);
    }

    /** The account as GET /v1/accounts/{id} shows it, found through the person's profile. */
    static JsonNode accountOf(String person) {
        JsonNode accounts = profile(person).path("accounts");
        assertThat(accounts.size()).as("%s's accounts: %s", person, accounts).isEqualTo(1);
        CohortApp.Response r = app.get("/v1/accounts/" + accounts.get(0).get("id").asText());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    @Test
    void crossingTheLimitReachesEveryoneOfTheAccount() throws Exception {
        post(account("U"), person("ann"), person("bob"), related("U", "ann", false), related("U", "bob", false));
        assertThat(member("ann")).as("two people: the limit, looked through").isFalse();
        assertThat(member("bob")).isFalse();
        assertThat(accountOf("ann").findValue("peopleInReach").asBoolean()).isTrue();

        // The batch names cid only; ann and bob see the account change.
        post(person("cid"), related("U", "cid", false));
        assertThat(List.of(member("ann"), member("bob"), member("cid"))).as("ann, bob, cid over the limit").containsOnly(true);
        assertThat(accountOf("bob").findValue("peopleInReach").asBoolean()).isFalse();
        assertThat(profile("ann").path("accounts").get(0).path("peopleInReach").asBoolean()).as("the profile's view").isFalse();

        post(related("U", "cid", true));
        assertThat(List.of(member("ann"), member("bob"))).as("back to two").containsOnly(false);
        assertThat(member("cid")).as("no longer related").isFalse();
    }

    @Test
    void aDealCrossingTheLimitReachesEveryContactOfIt() throws Exception {
        String deals = "deals-too-large-to-judge";
        post("{\"type\":\"opportunity\",\"id\":\"D\",\"name\":\"Big deal\",\"stage\":\"Prospecting\"}",
                person("gus"), person("hal"), role("gus", false), role("hal", false));
        assertThat(List.of(member("gus", deals), member("hal", deals))).as("two contact roles: the limit").containsOnly(false);

        post(person("ida"), role("ida", false));
        assertThat(List.of(member("gus", deals), member("hal", deals), member("ida", deals))).as("three, over it").containsOnly(true);
        JsonNode deal = profile("gus").path("opportunities").get(0);
        assertThat(deal.path("peopleInReach").asBoolean(true)).as("the profile's deal: %s", deal).isFalse();

        post(role("ida", true));
        assertThat(List.of(member("gus", deals), member("hal", deals))).as("back to two").containsOnly(false);
    }

    static String role(String person, boolean deleted) {
        return "{\"type\":\"opportunityPerson\",\"opportunityId\":\"D\",\"personId\":\"" + person + "\""
                + (deleted ? ",\"deleted\":true" : "") + "}";
    }

    @Test
    void anMdmLinkThatJoinsTwoAccountsOverTheLimitReachesEveryoneOfBoth() throws Exception {
        post(account("V"), account("W"), person("dan"), person("eve"), person("fay"),
                related("V", "dan", false), related("V", "eve", false), related("W", "fay", false));
        assertThat(List.of(member("dan"), member("eve"), member("fay"))).containsOnly(false);

        String link = "{\"type\":\"accountLink\",\"id\":\"G1\",\"name\":\"One company\",\"accounts\":"
                + "[{\"source\":\"generic\",\"id\":\"V\"},{\"source\":\"generic\",\"id\":\"W\"}]}";
        app.ingest("mdm", link);
        assertThat(List.of(member("dan"), member("eve"), member("fay"))).as("one account of three people").containsOnly(true);

        app.ingest("mdm", "{\"type\":\"accountLink\",\"id\":\"G1\",\"deleted\":true}");
        assertThat(List.of(member("dan"), member("eve"), member("fay"))).as("two accounts again").containsOnly(false);
    }
}
