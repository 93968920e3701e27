package io.cohort.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.destination.fake.FakeMarketo;
import io.cohort.it.CohortApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;

/**
 * The console in a real browser against the real app: the Bodea sample loaded through the API,
 * a fake Marketo as a destination. Each test asserts what a view shows and saves screenshots
 * (target/console-screenshots; the current ones are in docs/console/). The tests share one app
 * and one browser and run in order: later ones change the data (an outage adds a member).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    static final String SEGMENT = "high-value-new-product";
    static final long LIST = 4242;
    static final Path SHOTS = Path.of("target/console-screenshots");

    @TempDir static Path tmp;
    FakeMarketo marketo;
    CohortApp app;
    Browser browser;
    String base;
    String p2;

    @BeforeAll
    void start() throws Exception {
        browser = Browser.start(SHOTS); // first: without Chromium, fail at once with how to install it
        marketo = new FakeMarketo().start();
        marketo.list(LIST).lead(1001, "p1@townsend.com").lead(1002, "p2@townsend.com");
        // A step-2 limit under Townsend's three people: the account page says rules do not look through it.
        // Sweeps in rounds of one person: a rule edit's rounds take long enough to be watched.
        app = new CohortApp(tmp, io.dropwizard.testing.ConfigOverride.config("engine.stepTwoLimit", "2"),
                io.dropwizard.testing.ConfigOverride.config("engine.roundSize", "1")).withExtraConfig("""
                destinations:
                  mkto: {type: marketo, baseUrl: "%s", clientId: %s, clientSecret: %s, source: marketo-1}
                  files: {type: file, directory: "%s"}
                activations:
                  - {id: hv-marketo, segment: high-value-new-product, destination: mkto, params: {listId: "%d"}}
                  - {id: hv-files, segment: high-value-new-product, destination: files}
                dispatcher: {pollInterval: 200ms, backoffBase: 300ms, backoffMax: 1s}
                """.formatted(marketo.url(), FakeMarketo.CLIENT_ID, FakeMarketo.CLIENT_SECRET, tmp.resolve("out"), LIST));
        app.start();
        // Two days of history: p2 enters on the 21st, p3 (after a page view) on the 23rd.
        app.task("clock?set=2026-11-21T09:00:00Z");
        for (String s : List.of("crm-1", "crm-2", "marketo-1", "marketo-2", "mdm")) {
            var r = app.postFile("/v1/sources/" + s + "/records", Path.of("src/test/resources/bodea-canonical", s + ".json"));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        app.settle();
        app.task("clock?set=2026-11-23T15:30:00Z");
        ingest("marketo-2", """
                {"type":"event","id":"A-2-1","personId":"2002","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"2026-11-23T15:00:00Z","url":"https://www.bodea.com/products/new/printer-x"}""");
        app.task("clock?set=2026-11-25T10:00:00Z");
        p2 = app.get("/v1/profiles?email=p2@townsend.com").json().get("id").asText();
        ActivationWait.until("p2 in the Marketo list", () -> marketo.members(LIST).contains(1002L));
        base = "http://localhost:" + app.port();
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (app != null) app.stop();
        if (marketo != null) marketo.stop();
    }

    private void ingest(String source, String record) throws Exception {
        var r = app.post("/v1/sources/" + source + "/records", "application/json", "{\"records\":[" + record + "]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
    }

    private void signIn(String token) {
        browser.driver.get(base + "/console/");
        browser.js("sessionStorage.clear()");
        browser.driver.navigate().refresh();
        WebElement input = browser.waitFor(By.id("token"));
        input.sendKeys(token);
        input.sendKeys(Keys.ENTER);
    }

    private List<String> nav() {
        return browser.driver.findElements(By.cssSelector("#nav a")).stream().map(e -> e.getAttribute("textContent")).toList();
    }

    /** Picks a rules file in the draft box's "Copy from" list, as a user does. */
    private void copyFrom(String file) {
        browser.js("const s = document.getElementById('draft-from'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));", file);
    }

    private void go(String route, By ready, String text) {
        browser.route(route);
        browser.waitFor(ready, text);
    }

    @Test
    @Order(1)
    void signInKeepsTheTokenForTheSessionAndOffersOnlyWhatTheRoleMay() {
        signIn("not-a-token-of-ours");
        browser.waitFor(By.cssSelector(".signin .note.error"), "not accepted");
        browser.screenshot("desktop-sign-in");

        signIn(CohortApp.TOKEN.replace("all-roles", "reader"));
        browser.waitFor(By.cssSelector(".who .name"), "reader-only");
        assertThat(nav()).containsExactly("Segments", "Rules", "Profiles", "Activations & health");
        go("profiles/" + p2, By.cssSelector("h1"), "Parker Two");
        assertThat(browser.driver.findElements(By.cssSelector("button[data-segment]"))).as("explain needs the analyst role").isEmpty();
        go("rules", By.cssSelector("h1"), "Rules");
        browser.waitFor(By.cssSelector(".note.ok"), "succeeded");
        assertThat(browser.driver.findElements(By.id("draft-drl"))).as("validate and preview need the analyst role").isEmpty();
        go("activations", By.cssSelector("[data-activation='hv-marketo']"), null);
        assertThat(browser.driver.findElements(By.cssSelector("[data-action]"))).as("replay needs the operator role").isEmpty();

        signIn(CohortApp.TOKEN.replace("all-roles", "analyst"));
        browser.waitFor(By.cssSelector(".who .name"), "analyst-only");
        assertThat(nav()).containsExactly("Segments", "Rules", "Profiles");
        browser.route("activations");
        browser.until("an analyst is sent away from activations", d -> d.getCurrentUrl().endsWith("#/segments"));

        signIn("test-token-ingest");
        browser.waitFor(By.cssSelector("h1"), "Nothing to show");
        assertThat(nav()).isEmpty();

        signIn(CohortApp.TOKEN);
        browser.waitFor(By.cssSelector(".who .name"), "all");
        // The token survives a reload of the tab (sessionStorage), without asking again.
        browser.driver.navigate().refresh();
        browser.waitFor(By.cssSelector(".who .name"), "all");
        assertThat(browser.js("return sessionStorage.getItem('cohort.token')")).isEqualTo(CohortApp.TOKEN);
        assertThat(nav()).containsExactly("Segments", "Rules", "Profiles", "Activations & health");
    }

    @Test
    @Order(2)
    void keyboardAloneReachesEveryViewWithAVisibleFocus() {
        browser.driver.get(base + "/console/#/segments");
        browser.waitFor(By.cssSelector("[data-segment='" + SEGMENT + "'] .plot canvas"));
        WebElement body = browser.driver.findElement(By.tagName("body"));
        body.sendKeys(Keys.TAB);
        assertThat(browser.focusedText()).isEqualTo("Skip to content");
        browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        assertThat(browser.js("return document.activeElement.id")).isEqualTo("main");

        browser.driver.navigate().refresh(); // back to the start of the tab order
        browser.waitFor(By.cssSelector("#nav a"));
        browser.driver.findElement(By.tagName("body")).sendKeys(Keys.TAB); // skip link
        for (int i = 0; i < 4; i++) browser.driver.switchTo().activeElement().sendKeys(Keys.TAB); // brand, Segments, Rules, Profiles
        assertThat(browser.focusedText()).isEqualTo("Profiles");
        assertThat(browser.js("return getComputedStyle(document.activeElement).outlineStyle")).isNotEqualTo("none");
        browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        browser.until("the search field has the focus", d -> "profile-q".equals(browser.js("return document.activeElement.id")));
        browser.driver.switchTo().activeElement().sendKeys("townsend.com", Keys.ENTER);
        WebElement account = browser.waitFor(By.cssSelector(".results a"), "Townsend");
        account.sendKeys(Keys.ENTER);
        browser.waitFor(By.cssSelector(".won-total"), "$1,100,000");
        assertThat(browser.js("return document.activeElement.id")).as("the new view's heading has the focus").isEqualTo("view-title");
    }

    @Test
    @Order(3)
    void segmentsShowSizesHistoryAndP2AsTheMember() {
        go("segments", By.cssSelector("[data-segment='" + SEGMENT + "'] .plot canvas"), null);
        WebElement card = browser.driver.findElement(By.cssSelector("article[data-segment='" + SEGMENT + "']"));
        assertThat(card.findElement(By.cssSelector(".size .big")).getText()).isEqualTo("2");
        assertThat(card.getText()).contains("High-value accounts: new product interest", "high-value-new-product.drl",
                "hv-marketo → mkto", "2 entered and 0 exited in these 30 days");
        assertThat(card.findElement(By.cssSelector(".plot")).getAttribute("data-days")).isEqualTo("30");
        browser.screenshot("desktop-segments");

        card.findElement(By.cssSelector("h2 a")).click();
        browser.waitFor(By.cssSelector(".members table"), "p2@townsend.com");
        browser.waitFor(By.cssSelector("figure.chart .plot canvas"));
        WebElement figures = browser.driver.findElement(By.cssSelector("figure.chart details"));
        figures.findElement(By.tagName("summary")).click();
        assertThat(figures.getText()).contains("2026-11-21", "2026-11-23", "2026-11-25");
        assertThat(browser.js("return [...document.querySelectorAll('figure.chart tbody tr')].map(r => r.innerText.replace(/\\t/g, ' '))"))
                .asList().contains("2026-11-21 1 1 0", "2026-11-22 1 0 0", "2026-11-23 2 1 0", "2026-11-25 2 0 0");
        figures.findElement(By.tagName("summary")).click(); // folded again for the screenshot
        browser.waitFor(By.cssSelector("table.changes tbody tr"), "entered");
        assertThat(browser.driver.findElements(By.cssSelector("table.changes tbody tr"))).hasSize(2);
        browser.waitFor(By.cssSelector(".rule-file .code"), "High-value account, viewed the new product");
        browser.waitFor(By.cssSelector("tr.activation-delivered"), "hv-files");

        // Search the members by domain, then by something nobody has.
        WebElement q = browser.driver.findElement(By.id("member-q"));
        q.sendKeys("townsend.com", Keys.ENTER);
        browser.waitFor(By.cssSelector(".members table"), "p3@townsend.com");
        assertThat(browser.driver.findElement(By.cssSelector(".members table")).getText()).contains("p2@townsend.com");
        browser.screenshot("desktop-segment-detail");
        q.clear();
        q.sendKeys("p2@", Keys.ENTER);
        browser.until("only p2", d -> {
            String t = d.findElement(By.cssSelector(".members")).getText();
            return t.contains("p2@townsend.com") && !t.contains("p3@");
        });
        q.clear();
        q.sendKeys("nobody.example", Keys.ENTER);
        browser.waitFor(By.cssSelector(".members .note"), "No member's email contains \"nobody.example\"");
    }

    @Test
    @Order(4)
    void profileExplorerShowsTownsendsTotalP2sRecordsAndWhyIn() {
        go("profiles", By.id("profile-q"), null);
        browser.driver.findElement(By.id("profile-q")).sendKeys("townsend.com", Keys.ENTER);
        browser.waitFor(By.cssSelector(".results a"), "Townsend").click();
        browser.waitFor(By.cssSelector(".won-total"), "$1,100,000");
        assertThat(browser.driver.findElement(By.tagName("main")).getText())
                .contains("Opportunity 1", "$200,000", "Opportunity 2", "$900,000", "p1@townsend.com", "p3@townsend.com", "($1.1M)")
                .as("Townsend's three people, over this app's step-2 limit of 2").contains("Rules see it as peopleInReach == false.");
        browser.screenshot("desktop-account");

        browser.route("profiles?q=p2@townsend.com");
        browser.waitFor(By.cssSelector("h1"), "Parker Two");
        browser.waitFor(By.cssSelector(".account .won-total"), "$1,100,000");
        String page = browser.driver.findElement(By.tagName("main")).getText();
        assertThat(page).contains("p2@townsend.com", "crm-1:003-P2", "marketo-1:1002", "web.webpagedetails.pageViews",
                "https://www.bodea.com/products/new", SEGMENT);
        // A source record, loaded when opened.
        WebElement source = browser.waitFor(By.cssSelector("details.source summary"), "crm-1:003-P2");
        source.click();
        browser.waitFor(By.cssSelector("details.source[open] .record-fields"), "VP Engineering");

        // Why in: the rule, the $1.1M total it summed, the page view.
        WebElement why = browser.waitFor(By.cssSelector("button[data-segment='" + SEGMENT + "']"), "Why in?");
        why.click();
        WebElement answer = browser.waitFor(By.cssSelector(".justification"), "High-value account, viewed the new product");
        assertThat(answer.getText()).contains("$total", "$1,100,000", "Activity");
        assertThat(browser.driver.findElement(By.cssSelector(".explain-list")).getText()).contains("qualifies for High-value accounts");
        browser.screenshot("desktop-profile");

        // Why not, for p1: no recent page view.
        browser.route("profiles?q=p1@townsend.com");
        browser.waitFor(By.cssSelector("h1"), "Pat One");
        browser.waitFor(By.cssSelector("button[data-segment='" + SEGMENT + "']"), "Why not?").click();
        browser.waitFor(By.cssSelector(".explanation .note.warn"), "does not qualify");
    }

    @Test
    @Order(5)
    void markupInRecordFieldsIsShownAsText() throws Exception {
        String img = "<img src=x onerror=\"window.__xss=1\">";
        String script = "<script>window.__xss=2</script>";
        ingest("generic", """
                {"type":"account","id":"EVIL-1","name":"<b onmouseover=\\"window.__xss=3\\">Evil Corp</b>","domain":"evil.example"},
                {"type":"person","id":"EVE-1","email":"eve@evil.example","firstName":"%s","lastName":"%s",
                 "title":"<a href=\\"javascript:window.__xss=4\\">CTO</a>","attributes":{"note":"<svg onload=window.__xss=5>"}},
                {"type":"accountPerson","accountId":"EVIL-1","personId":"EVE-1","role":"<i>owner</i>"},
                {"type":"event","id":"EV-1","personId":"EVE-1","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"2026-11-24T08:00:00Z","url":"javascript:window.__xss=6"},
                {"type":"event","id":"EV-2","personId":"EVE-1","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"2026-11-25T20:00:00Z","url":"javascript:window.__xss=7"}
                """.formatted(img.replace("\"", "\\\""), script));
        browser.route("profiles?q=eve@evil.example");
        WebElement title = browser.waitFor(By.cssSelector("h1"), "<img src=x onerror=");
        assertThat(title.getText()).isEqualTo(img + " " + script);
        browser.waitFor(By.cssSelector(".account h3"), "<b onmouseover=");
        String page = browser.driver.findElement(By.tagName("main")).getText();
        assertThat(page).contains("<a href=\"javascript:window.__xss=4\">CTO</a>", "<svg onload=window.__xss=5>", "javascript:window.__xss=6");
        // An event dated ahead of the clock (10:00) is listed apart, as text too: rules count it from its time.
        WebElement ahead = browser.waitFor(By.cssSelector("section[aria-labelledby='s-dated-ahead-of-now']"), "javascript:window.__xss=7");
        assertThat(ahead.getText()).contains("rules count each from its own time").doesNotContain("__xss=6");
        browser.route("profiles?q=evil.example");
        browser.waitFor(By.cssSelector(".results a"), "<b onmouseover=");
        browser.route("profiles?q=eve@evil.example");
        browser.waitFor(By.cssSelector("h1"), "<img src=x onerror=");
        assertThat(browser.driver.findElements(By.cssSelector("main img, main script, main svg, main b, main i, main a[href^='javascript']"))).isEmpty();
        assertThat(browser.js("return window.__xss === undefined")).as("no payload ran").isEqualTo(true);
        browser.screenshot("desktop-xss-as-text");
    }

    @Test
    @Order(6)
    void aBrokenRuleEditShowsItsErrorAtItsLineWhileThePreviousRulesServe() throws Exception {
        Path file = app.rules.resolve("high-value-new-product.drl");
        String good = Files.readString(file);
        List<String> lines = good.lines().toList();
        int line = lines.indexOf("    $p : Person()") + 1;
        assertThat(line).as("the rule has a Person() pattern line").isPositive();
        // An analyst misspells a field: the sandbox reports it at its line and column, with the field meant.
        Files.writeString(file, good.replace("    $p : Person()", "    $p : Person(emial != null)"));
        try {
            browser.until("the reload fails", d -> app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            go("rules", By.cssSelector(".note.error"), "keep serving");
            WebElement messages = browser.waitFor(By.cssSelector(".file-messages .code"), "emial");
            String where = browser.driver.findElement(By.cssSelector(".file-messages ul.where")).getText();
            assertThat(where).contains("high-value-new-product.drl:" + line + ":");
            WebElement errorLine = messages.findElement(By.cssSelector(".line.error"));
            assertThat(errorLine.getAttribute("data-line")).isEqualTo(String.valueOf(line));
            assertThat(errorLine.getText()).contains(line + "", "$p : Person(emial != null)");
            assertThat(messages.getText()).contains("Person has no field 'emial'", "did you mean 'email'");
            // The lines around it are shown, not the whole file.
            assertThat(messages.getText()).contains("$now : Now()").doesNotContain("package cohort.segments");
            browser.screenshot("desktop-rules-error");

            go("segments/" + SEGMENT, By.cssSelector(".rule-file .line.error"), "emial");
            assertThat(browser.driver.findElement(By.cssSelector(".rule-file .line.error")).getAttribute("data-line")).isEqualTo(String.valueOf(line));
            assertThat(browser.driver.findElement(By.cssSelector(".rule-file")).getText()).contains("runs the previous version");
            // The segment keeps its members: the previous rules serve.
            assertThat(browser.driver.findElement(By.cssSelector("[data-size]")).getText()).isEqualTo("2");
        } finally {
            Files.writeString(file, good);
            browser.until("the fixed rules reload", d -> !app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
        }
        go("rules", By.cssSelector(".note.ok"), "succeeded");
    }

    @Test
    @Order(7)
    void aDraftIsValidatedAndPreviewedWithoutBeingSaved() throws Exception {
        go("rules", By.id("draft-drl"), null);
        WebElement name = browser.driver.findElement(By.id("draft-file"));
        name.clear();
        name.sendKeys("townsend-people.drl");
        String drl = """
                package cohort.segments;
                import io.cohort.model.*;
                rule "People at townsend.com"
                    @segment("townsend-people")
                    @segmentName("Everyone at Townsend")
                when
                    $p : Person(email != null, email.endsWith("@townsend.com"))
                then
                    insertLogical(new Qualified("townsend-people", $p.id()));
                end
                """;
        // Typed as the user pastes it: set the value, then use the real buttons.
        browser.js("document.getElementById('draft-drl').value = arguments[0];", drl);
        browser.driver.findElement(By.id("draft-validate")).click();
        browser.waitFor(By.cssSelector(".draft-result .note.ok"), "Valid. It declares 1 segment(s): townsend-people");
        browser.driver.findElement(By.id("draft-preview")).click();
        WebElement preview = browser.waitFor(By.cssSelector(".preview-segment[data-segment='townsend-people']"), "3 members");
        assertThat(preview.getText()).contains("p1@townsend.com", "p2@townsend.com", "p3@townsend.com");
        browser.screenshot("desktop-rules-draft");

        browser.js("document.getElementById('draft-drl').value = arguments[0];", drl.replace("email.endsWith", "System.exit(1) && email.endsWith"));
        browser.driver.findElement(By.id("draft-validate")).click();
        WebElement bad = browser.waitFor(By.cssSelector(".draft-result .note.error"), "Does not compile");
        assertThat(browser.driver.findElement(By.cssSelector(".draft-result")).getText()).contains("townsend-people.drl:7:");
        assertThat(bad).isNotNull();
        assertThat(app.rules.resolve("townsend-people.drl")).as("nothing saved").doesNotExist();
        assertThat(app.get("/v1/segments/townsend-people").status()).as("nothing applied").isEqualTo(404);

        // A decision table started from the shipped one: validated and previewed as a table, a
        // broken cell shown at its row and column.
        String shipped = java.nio.file.Files.readString(app.rules.resolve("industry-region-value.csv"));
        copyFrom("industry-region-value.csv");
        browser.until("the table in the draft box", d -> String.valueOf(browser.js("return document.getElementById('draft-drl').value;"))
                .startsWith("RuleSet"));
        assertThat(name.getAttribute("value")).isEqualTo("industry-region-value.csv");
        browser.driver.findElement(By.id("draft-validate")).click();
        browser.waitFor(By.cssSelector(".draft-result .note.ok"), "Valid. It declares 3 segment(s)");
        browser.driver.findElement(By.id("draft-preview")).click();
        browser.waitFor(By.cssSelector(".preview-segment[data-segment='banking-250k']"), "members");
        browser.js("document.getElementById('draft-drl').value = arguments[0];",
                shipped.replace(",Banking,,250000,", ",Banking,,\"250000; insert(null)\","));
        browser.driver.findElement(By.id("draft-validate")).click();
        browser.waitFor(By.cssSelector(".draft-result .note.error"), "Does not compile");
        assertThat(browser.driver.findElement(By.cssSelector(".draft-result")).getText()).contains("industry-region-value.csv:12:8");
        assertThat(java.nio.file.Files.readString(app.rules.resolve("industry-region-value.csv"))).as("nothing saved").isEqualTo(shipped);

        // A workbook is uploaded, not pasted, and goes to the API as its bytes.
        Path book = tmp.resolve("retail.xlsx");
        Files.write(book, io.cohort.it.Workbooks.retail(shipped, "100000"));
        browser.driver.findElement(By.id("draft-upload")).sendKeys(book.toString());
        browser.waitFor(By.id("draft-workbook"), "Workbook retail.xlsx");
        assertThat(name.getAttribute("value")).isEqualTo("retail.xlsx");
        assertThat(browser.driver.findElement(By.id("draft-drl")).isEnabled()).as("a workbook is not text to edit").isFalse();
        browser.driver.findElement(By.id("draft-validate")).click();
        browser.waitFor(By.cssSelector(".draft-result .note.ok"), "Valid. It declares 1 segment(s): retail-100k");
        browser.driver.findElement(By.id("draft-preview")).click();
        browser.waitFor(By.cssSelector(".preview-segment[data-segment='retail-100k']"), "Nobody qualifies");
        Path broken = tmp.resolve("retail-broken.xlsx");
        Files.write(broken, io.cohort.it.Workbooks.retail(shipped, "100000; insert(null)"));
        browser.driver.findElement(By.id("draft-upload")).sendKeys(broken.toString());
        browser.waitFor(By.id("draft-workbook"), "Workbook retail-broken.xlsx");
        browser.driver.findElement(By.id("draft-validate")).click();
        browser.waitFor(By.cssSelector(".draft-result .note.error"), "Does not compile");
        assertThat(browser.driver.findElement(By.cssSelector(".draft-result")).getText()).contains("retail-broken.xlsx:10:8");
        assertThat(app.rules.resolve("retail.xlsx")).as("nothing saved").doesNotExist();
        assertThat(app.rules.resolve("retail-broken.xlsx")).as("nothing saved").doesNotExist();
        // Another file leaves the workbook: the text box is back.
        copyFrom("industry-region-value.csv");
        browser.until("the table back in the draft box", d -> String.valueOf(browser.js("return document.getElementById('draft-drl').value;"))
                .startsWith("RuleSet"));
        assertThat(browser.driver.findElement(By.id("draft-workbook")).isDisplayed()).isFalse();

        // A workbook in the rules directory: its page lists no cells, and copied into the draft
        // box it travels as its bytes again (decoded from the API's Base64).
        Path inRules = app.rules.resolve("retail.xlsx");
        Files.write(inRules, io.cohort.it.Workbooks.retail(shipped, "100000"));
        try {
            browser.until("the workbook applied", d -> app.get("/v1/segments/retail-100k").status() == 200);
            go("rules/industry-region-value.csv", By.cssSelector("div.code"), "RuleSet");
            go("rules/retail.xlsx", By.cssSelector(".note"), "An Excel workbook");
            assertThat(browser.driver.findElements(By.cssSelector("div.code"))).as("no Base64 listing").isEmpty();
            go("rules", By.id("draft-from"), null);
            copyFrom("retail.xlsx");
            browser.waitFor(By.id("draft-workbook"), "Workbook retail.xlsx");
            browser.driver.findElement(By.id("draft-validate")).click();
            browser.waitFor(By.cssSelector(".draft-result .note.ok"), "Valid. It declares 1 segment(s): retail-100k");
        } finally {
            Files.delete(inRules);
            browser.until("the workbook gone", d -> app.get("/v1/segments/retail-100k").status() == 404);
        }
    }

    @Test
    @Order(8)
    void anActivationCountsPendingRowsDuringAMarketoOutageAndAnOperatorReplays() throws Exception {
        go("activations", By.cssSelector("[data-activation='hv-marketo'] [data-count='pending']"), null);
        browser.waitFor(By.cssSelector("[data-vital='ingest']"), "records per second");
        assertThat(browser.driver.findElement(By.cssSelector("[data-activation='hv-marketo'] [data-count='rejected']")).getText())
                .as("p3 has no lead in Marketo 1: refused").isEqualTo("1");

        marketo.stop();
        // p1 views the new product page while Marketo is down: p1 enters, the row waits.
        ingest("marketo-1", """
                {"type":"event","id":"A-1-9","personId":"1001","eventType":"web.webpagedetails.pageViews",
                 "timestamp":"2026-11-25T09:00:00Z","url":"https://www.bodea.com/products/new"}""");
        browser.click(By.id("refresh"));
        WebElement card = browser.until("hv-marketo shows 1 pending and an error", d -> {
            WebElement c = d.findElement(By.cssSelector("[data-activation='hv-marketo']"));
            String pending = c.findElement(By.cssSelector("[data-count='pending']")).getText();
            return pending.equals("1") && c.getText().contains("Last error") ? c : null;
        });
        assertThat(card.getAttribute("data-state")).isIn("backing-off", "pending", "failed");
        browser.screenshot("desktop-activations-outage");

        marketo.start();
        browser.click(By.cssSelector("[data-activation='hv-marketo'] [data-action='retry']"));
        browser.waitFor(By.cssSelector("[data-activation='hv-marketo'] .action-status"), "Retrying now");
        ActivationWait.until("p1 in the Marketo list", () -> marketo.members(LIST).contains(1001L));
        browser.click(By.id("refresh"));
        browser.until("hv-marketo delivered", d -> "0".equals(d.findElement(By.cssSelector("[data-activation='hv-marketo'] [data-count='pending']")).getText()));

        browser.click(By.cssSelector("[data-activation='hv-marketo'] [data-action='replay']"));
        // The focus is on the confirmation now, which keeps the auto-refresh from replacing it.
        assertThat(browser.js("return document.activeElement.dataset.action")).isEqualTo("confirm-replay");
        browser.click(By.cssSelector("[data-activation='hv-marketo'] [data-action='confirm-replay']"));
        browser.waitFor(By.cssSelector("[data-activation='hv-marketo'] .action-status"), "3 rows pending again.");
        browser.click(By.id("refresh"));
        browser.until("the replay is delivered", d -> "0".equals(d.findElement(By.cssSelector("[data-activation='hv-marketo'] [data-count='pending']")).getText()));
        assertThat(marketo.members(LIST)).containsExactlyInAnyOrder(1001L, 1002L);
        browser.screenshot("desktop-activations");
    }

    /**
     * An analyst saves a rule edit and opens the segment: while everyone is evaluated again (rounds
     * of one person here, each leaving the segment), the page says so and how far; then no more.
     */
    @Test
    @Order(9)
    void aSegmentBeingEvaluatedAgainSaysSoAndHowFar() throws Exception {
        Path file = app.rules.resolve("with-email.drl");
        String rule = io.cohort.it.SegmentReevaluationIT.RULE;
        Files.writeString(file, rule);
        assertThat(app.task("reload-rules").status()).isEqualTo(200);
        io.cohort.it.SegmentReevaluationIT.ingestPeople(app, "w", 600);
        int size = app.get("/v1/segments/with-email").json().path("size").asInt();
        assertThat(size).isGreaterThanOrEqualTo(600);

        Files.writeString(file, rule.replace("email != null", "email == null"));
        var edit = java.util.concurrent.CompletableFuture.supplyAsync(() -> app.task("reload-rules"));
        String seen = null;
        for (int i = 0; seen == null && !edit.isDone(); i++) {
            browser.route(i % 2 == 0 ? "segments/with-email" : "segments");
            By facts = i % 2 == 0 ? By.cssSelector("dl.facts") : By.cssSelector("article[data-segment='with-email'] dl.facts");
            String text = browser.waitFor(facts, "Last change").getText();
            if (text.contains("Re-evaluating")) {
                seen = text;
                browser.screenshot("desktop-segment-reevaluating");
            }
        }
        assertThat(edit.get().status()).isEqualTo(200);
        assertThat(seen).as("the page during the edit's rounds").isNotNull()
                .containsPattern("[0-9,]+ of " + String.format("%,d", size) + " people evaluated again after a rule edit, since 20");
        browser.route("segments");
        browser.route("segments/with-email");
        assertThat(browser.waitFor(By.cssSelector("dl.facts"), "Members now").getText())
                .as("done: the size is the new rules'").doesNotContain("Re-evaluating").contains("Members now\n0");
        Files.delete(file);
        assertThat(app.task("reload-rules").status()).isEqualTo(200);
    }

    @Test
    @Order(10)
    void everyViewFitsAPhoneAndTheMenuOpensByKeyboard() {
        browser.phone();
        try {
            browser.driver.get(base + "/console/#/segments");
            browser.waitFor(By.cssSelector("[data-segment='" + SEGMENT + "'] .plot canvas"));
            WebElement menu = browser.driver.findElement(By.id("menu"));
            assertThat(menu.isDisplayed()).isTrue();
            assertThat(browser.driver.findElement(By.id("nav")).isDisplayed()).as("nav folded away").isFalse();
            menu.sendKeys(Keys.ENTER);
            assertThat(menu.getAttribute("aria-expanded")).isEqualTo("true");
            assertThat(browser.driver.findElement(By.id("nav")).isDisplayed()).isTrue();
            assertThat(browser.focusedText()).isEqualTo("Segments");
            browser.screenshot("phone-menu");
            browser.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
            assertThat(browser.driver.findElement(By.id("nav")).isDisplayed()).isFalse();

            record View(String name, String route, String css, String text) {}
            for (View v : List.of(
                    new View("segments", "segments", "[data-segment='" + SEGMENT + "'] .plot canvas", null),
                    new View("segment-detail", "segments/" + SEGMENT, ".members table", "p2@townsend.com"),
                    new View("rules", "rules", ".note.ok", "succeeded"),
                    new View("profile", "profiles/" + p2, ".account .won-total", "$1,100,000"),
                    new View("activations", "activations", "[data-activation='hv-marketo'] [data-count='pending']", null))) {
                go(v.route(), By.cssSelector(v.css()), v.text());
                if (v.name().equals("segment-detail")) browser.waitFor(By.cssSelector("figure.chart .plot canvas"));
                assertThat(browser.fitsWidth()).as(v.name() + " fits 375 px; sticking out: " + browser.overflowing()).isTrue();
                browser.screenshot("phone-" + v.name());
            }
        } finally {
            browser.desktop();
        }
    }

    @Test
    @Order(11)
    void theConsoleLoadedNothingFromElsewhereAndBrokeNoPolicy() {
        browser.driver.get(base + "/console/#/segments");
        browser.waitFor(By.cssSelector("[data-segment='" + SEGMENT + "'] .plot canvas"));
        @SuppressWarnings("unchecked")
        List<String> loaded = (List<String>) browser.js("return performance.getEntriesByType('resource').map(e => e.name)");
        assertThat(loaded).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith(base + "/"));
        List<LogEntry> logs = browser.consoleMessages();
        assertThat(logs).as("no Content-Security-Policy violation or script error in the browser console")
                .noneMatch(e -> e.getMessage().contains("Content Security Policy") || e.getMessage().contains("Refused to"))
                // Refused calls (the wrong token, a 422 of a broken draft) are logged by the browser; script errors must not be.
                .noneMatch(e -> e.getLevel().equals(Level.SEVERE) && !e.getMessage().contains("Failed to load resource"));
    }
}
