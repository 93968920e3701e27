package io.cohort.model;

import java.util.List;
import java.util.Map;

/**
 * A unified account (company): source accounts joined by MDM links and CRM→Marketo sync.
 *
 * @param id      stable unified id ("a-…")
 * @param sources the source accounts merged into it, e.g. "crm-1:001A", "marketo-1:17"
 * @param peopleInReach whether rules that look two steps see its other people: an account with more
 *                      people related than engine.stepTwoLimit is not looked through (a catch-all
 *                      "Unknown" account, a giant customer), and rules can tell it apart by this
 */
@Describe("A company: the CRM and Marketo accounts the MDM links and sync make one")
public record Account(@Describe("unified account id, a-…") @Ref(Entity.ACCOUNT) String id,
                      @Describe("company name") String name,
                      @Describe("web domain, townsend.com") String domain,
                      @Describe("industry as the source states it: industry.startsWith(\"Automotive\")") String industry,
                      @Describe("number of employees, 0 when unknown") long employees,
                      @Describe("annual revenue, 0 when unknown") double annualRevenue,
                      @Describe("billing country") String country,
                      @Describe("the merged source records, source:id") List<String> sources,
                      @Describe("free-form source fields: attr(name), attrNumber(name)") Map<String, String> attributes,
                      @Describe("false when more people are related to it than rules look through (engine.stepTwoLimit, 500):"
                              + " its other people's AccountPerson facts are then left out, so counts of colleagues read 0")
                      boolean peopleInReach) implements Fact, Attributed {

    public String key() { return "A:" + id; }

}
