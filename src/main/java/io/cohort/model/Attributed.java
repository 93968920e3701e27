package io.cohort.model;

import java.util.Map;

/**
 * A fact carrying its sources' free-form fields (custom fields, picklists the model has no field
 * for). Rules read them with {@code attr("Region__c")} or {@code attrNumber("Probability")}; the
 * values sent by the sources are text. When several source records make one fact, the value of
 * the record that wins the merge is kept per name.
 */
public interface Attributed {
    /** Name → value, never null. */
    Map<String, String> attributes();

    @Helper("the source attribute of that name, or null: attr(\"Region__c\")")
    default String attr(String name) { return attributes().get(name); }

    @Helper("the source attribute as a number, 0 when absent or not a decimal number: attrNumber(\"leadScore\") > 50")
    default double attrNumber(String name) { return Facts.number(attributes().get(name)); }
}
