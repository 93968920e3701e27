package io.cohort.ingest.pull.marketo;

/** The native object names of the Marketo mapper (ingest.marketo) that the connector feeds. */
final class MarketoMapperObjects {
    private MarketoMapperObjects() {}

    /** The list-members object names its list, as Marketo's list-leads response does not. */
    static String listMembers(String listId) { return "listMembers." + listId; }
}
