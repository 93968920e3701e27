package io.cohort.model;

import java.util.List;
import java.util.Map;

/**
 * A unified account (company): source accounts joined by MDM links and CRM→Marketo sync.
 *
 * @param id      stable unified id ("a-…")
 * @param sources the source accounts merged into it, e.g. "crm-1:001A", "marketo-1:17"
 */
public record Account(@Ref(Entity.ACCOUNT) String id, String name, String domain, String industry, long employees,
                      double annualRevenue, String country, List<String> sources,
                      Map<String, String> attributes) implements Fact, Attributed {

    public String key() { return "A:" + id; }

}
