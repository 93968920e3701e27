package io.cohort.ingest.pull.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An export row as the JSON text of the lead REST answers, by Describe Lead's data types. */
class LeadFieldTypesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void typesNumbersAndBooleansOfTheirFieldsOnlyAndReadsEmptyAndNullAsNull() throws Exception {
        JsonNode describe = JSON.readTree("""
                {"success": true, "result": [
                  {"id": 1, "displayName": "Id", "dataType": "integer", "rest": {"name": "id", "readOnly": true}},
                  {"id": 2, "displayName": "Budget", "dataType": "currency", "rest": {"name": "budget", "readOnly": false}},
                  {"id": 3, "displayName": "Partner", "dataType": "boolean", "rest": {"name": "isPartner", "readOnly": false}},
                  {"id": 4, "displayName": "Nickname", "dataType": "string", "length": 255, "rest": {"name": "nickname", "readOnly": false}},
                  {"id": 5, "displayName": "SOAP only", "dataType": "integer", "soap": {"name": "SoapOnly", "readOnly": false}}]}""");
        LeadFieldTypes types = LeadFieldTypes.of(describe);
        Map<String, String> row = new LinkedHashMap<>();
        row.put("id", "1001");
        row.put("budget", "12500.50");
        row.put("isPartner", "TRUE");
        row.put("nickname", "true \"Ace\"");
        row.put("SoapOnly", "7");
        row.put("title", "");
        row.put("country", "null");
        assertThat(types.asJson(row)).isEqualTo("{\"id\":1001,\"budget\":12500.50,\"isPartner\":true,"
                + "\"nickname\":\"true \\\"Ace\\\"\",\"SoapOnly\":\"7\",\"title\":null,\"country\":null}");
        // No number literal (a thousands separator, a leading zero, a plus sign): the text, as it is.
        assertThat(types.asJson(Map.of("budget", "1,000"))).isEqualTo("{\"budget\":\"1,000\"}");
        assertThat(types.asJson(Map.of("id", "007"))).isEqualTo("{\"id\":\"007\"}");
        assertThat(types.asJson(Map.of("id", "+7"))).isEqualTo("{\"id\":\"+7\"}");
        assertThat(types.asJson(Map.of("isPartner", "0"))).isEqualTo("{\"isPartner\":false}");
        assertThat(types.asJson(Map.of("isPartner", "yes"))).isEqualTo("{\"isPartner\":\"yes\"}");
    }
}
