package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.salesforce.SalesforceSourceFactory;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * By hand: the CPU time of mapping a Salesforce page of Contact rows as one query result (how
 * pulls mapped every page) and row by row with each record's row noted (how they map since a
 * set-aside counts once per row version, PageWriter.map with versionOf). Passes alternate A and B;
 * thread CPU time, so other work on the machine does not count. Args: rows per page (2000), passes (10).
 */
public final class SalesforceMappingCpu {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        NativeMapper mapper = new SalesforceSourceFactory().nativeMapper("crm-1");
        List<JsonNode> page = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            r.putObject("attributes").put("type", "Contact");
            r.put("Id", String.format("003Hs%013d", i)).put("AccountId", String.format("001Hs%013d", i / 3))
                    .put("Email", "p" + i + "@example.com").put("FirstName", "P").put("LastName", "L" + i)
                    .put("Title", "CTO").put("MailingCountry", "DE").put("HasOptedOutOfEmail", false).put("LeadSource", "Web");
            page.add(r);
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int pass = 0; pass < passes; pass++) {
            long a = threads.getCurrentThreadCpuTime();
            sink += mapper.map("query", result(page)).size();
            long b = threads.getCurrentThreadCpuTime();
            Map<Object, String> from = new IdentityHashMap<>();
            for (JsonNode r : page) {
                for (ObjectNode m : mapper.map("query", result(List.of(r)))) from.put(m, r.get("Id").asText());
            }
            sink += from.size();
            long c = threads.getCurrentThreadCpuTime();
            System.out.printf("pass %d: whole page %.2f ms CPU, row by row %.2f ms CPU (%d rows)%n", pass,
                    (b - a) / 1e6, (c - b) / 1e6, rows);
        }
        System.out.println("(" + sink + ")");
    }

    private static JsonNode result(List<JsonNode> rows) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("totalSize", rows.size()).put("done", true);
        result.putArray("records").addAll(rows);
        return result;
    }
}
