package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.JsonNumbers;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * By hand: the CPU time of turning Marketo bulk export rows into lead JSON, as the lead backfill
 * did (every value text, "true"/"false" a boolean) and as it does since the values are typed by
 * the lead fields' data types (the row written as REST's JSON and read by the page reader). Rows
 * of 15 fields, chunks of 300 (a commit); passes alternate A and B; thread CPU time. Args: chunks
 * per pass (200), passes (10).
 */
public final class MarketoExportRowCpu {
    public static void main(String[] args) throws Throwable {
        int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Class<?> typesClass = Class.forName("io.cohort.ingest.pull.marketo.LeadFieldTypes");
        Method of = typesClass.getDeclaredMethod("of", JsonNode.class);
        Method asJson = typesClass.getDeclaredMethod("asJson", Map.class);
        of.setAccessible(true);
        asJson.setAccessible(true);
        Object types = of.invoke(null, describe());
        MethodHandle toJson = MethodHandles.lookup().unreflect(asJson);
        ObjectReader pages = JsonNumbers.pageReader(new ObjectMapper());
        List<Map<String, String>> rows = rows();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int pass = 0; pass < passes; pass++) {
            long a = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < chunks; i++) for (Map<String, String> r : rows) sink += asText(r).size();
            long b = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < chunks; i++) {
                for (Map<String, String> r : rows) sink += JsonNumbers.readPage(pages, (String) toJson.invoke(types, r)).size();
            }
            long c = threads.getCurrentThreadCpuTime();
            System.out.printf("pass %d: as text %.3f ms, typed %.3f ms CPU per chunk of 300 rows%n", pass,
                    (b - a) / 1e6 / chunks, (c - b) / 1e6 / chunks);
        }
        System.out.println("(" + sink + ")");
    }

    /** The lead backfill's conversion before (LeadStreams.Backfill#lead up to 55ccddf). */
    private static ObjectNode asText(Map<String, String> values) {
        ObjectNode lead = JsonNodeFactory.instance.objectNode();
        for (var e : values.entrySet()) {
            String v = e.getValue();
            if (v == null || v.isEmpty() || v.equals("null")) continue;
            if (v.equals("true") || v.equals("false")) lead.put(e.getKey(), Boolean.parseBoolean(v));
            else lead.put(e.getKey(), v);
        }
        return lead;
    }

    private static JsonNode describe() {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        var result = d.putArray("result");
        Map<String, String> t = Map.ofEntries(Map.entry("id", "integer"), Map.entry("email", "email"),
                Map.entry("firstName", "string"), Map.entry("lastName", "string"), Map.entry("title", "string"),
                Map.entry("country", "string"), Map.entry("company", "string"), Map.entry("externalCompanyId", "string"),
                Map.entry("leadRole", "string"), Map.entry("unsubscribed", "boolean"), Map.entry("emailInvalid", "boolean"),
                Map.entry("leadScore", "integer"), Map.entry("leadSource", "string"), Map.entry("createdAt", "datetime"),
                Map.entry("budget", "currency"));
        t.forEach((name, type) -> result.addObject().put("dataType", type).putObject("rest").put("name", name));
        return d;
    }

    private static List<Map<String, String>> rows() {
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Map<String, String> r = new LinkedHashMap<>();
            r.put("id", String.valueOf(100_000 + i));
            r.put("email", "p" + i + "@example.com");
            r.put("firstName", "Lead, \"the " + i + "th\"");
            r.put("lastName", "L" + i);
            r.put("title", i % 3 == 0 ? "null" : "Director of Fleet Operations");
            r.put("country", "Germany");
            r.put("company", "Company " + i / 3);
            r.put("externalCompanyId", "001Hs" + i / 3);
            r.put("leadRole", "Decision Maker");
            r.put("unsubscribed", i % 7 == 0 ? "true" : "false");
            r.put("emailInvalid", "false");
            r.put("leadScore", String.valueOf(i));
            r.put("leadSource", "Trade Show");
            r.put("createdAt", "2025-03-11T15:20:03Z");
            r.put("budget", i + "500.50");
            rows.add(r);
        }
        return rows;
    }
}
