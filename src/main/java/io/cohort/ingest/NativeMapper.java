package io.cohort.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Maps a vendor's native payload (e.g. a Marketo REST response or a Salesforce SOQL result) to
 * canonical record JSON objects. The output goes through the same {@link RecordParser}
 * validation as canonical input, so a mapper only translates shapes and never validates values.
 */
public interface NativeMapper {

    /** The object names accepted as {@code {object}} in the native endpoint, for error messages. */
    List<String> objects();

    /**
     * @param object  the native object kind (e.g. "leads", "companies", "activities", "query")
     * @param payload the native JSON body
     * @return canonical records, each an object with "type" and canonical field names
     * @throws NativeFormatException when the payload is not of the documented native shape
     */
    List<ObjectNode> map(String object, JsonNode payload) throws NativeFormatException;
}
