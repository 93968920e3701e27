package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeMapper;
import io.cohort.ingest.marketo.MarketoSourceFactory;
import io.cohort.ingest.pull.PageWriter;
import io.cohort.ingest.pull.StreamStatus;
import io.cohort.ingest.pull.SyncStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * By hand: the CPU time of mapping Marketo pages through {@code PageWriter.map} as pulls did (the
 * page whole, no versions) and as they do since a set-aside counts once per item version (item by
 * item, each item's version taken: an activity's id, a lead's id and updatedAt, a company's id and
 * a digest). Pages of 300 leads, activities and companies; passes alternate A and B; thread CPU
 * time, so other work on the machine does not count. Args: pages per pass (50), passes (10).
 */
public final class MarketoMappingCpu {
    public static void main(String[] args) throws Throwable {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        NativeMapper mapper = new MarketoSourceFactory("crm-1").nativeMapper("marketo-1");
        // Package-private in the connector and the pull package: reached as the connector reaches them.
        Method v = Class.forName("io.cohort.ingest.pull.marketo.MarketoConnector").getDeclaredMethod("version", String.class, JsonNode.class);
        v.setAccessible(true);
        MethodHandle version = MethodHandles.lookup().unreflect(v);
        Constructor<?> ctor = PageWriter.class.getDeclaredConstructors()[0];
        ctor.setAccessible(true);
        PageWriter writer = (PageWriter) ctor.newInstance("marketo-1", null, null, null, 1000, null, null); // map() needs none of them
        StreamStatus status = new StreamStatus("bench", SyncStream.Kind.INCREMENTAL);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int pass = 0; pass < passes; pass++) {
            StringBuilder line = new StringBuilder("pass " + pass + ":");
            for (String object : List.of("leads", "activities", "companies")) {
                List<JsonNode> page = page(object);
                Function<JsonNode, String> versionOf = item -> {
                    try {
                        return (String) version.invoke(object, item);
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                };
                long a = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < pages; i++) {
                    sink += writer.map(status, object, page, item -> null, null, part -> mapper.map(object, envelope(part))).size();
                    status.stepStarted();
                }
                long b = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < pages; i++) {
                    sink += writer.map(status, object, page, item -> null, versionOf, part -> mapper.map(object, envelope(part))).size();
                    status.stepStarted();
                }
                long c = threads.getCurrentThreadCpuTime();
                line.append(String.format(" %s whole %.2f ms, by version %.2f ms;", object, (b - a) / 1e6 / pages, (c - b) / 1e6 / pages));
            }
            System.out.println(line + " CPU per page of 300");
        }
        System.out.println("(" + sink + ")");
    }

    private static List<JsonNode> page(String object) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ObjectNode n = f.objectNode().put("seq", i);
            switch (object) {
                case "leads" -> n.put("id", 100_000 + i).put("email", "p" + i + "@example.com").put("firstName", "P")
                        .put("lastName", "L" + i).put("title", "CTO").put("country", "DE").put("externalCompanyId", "001Hs" + i / 3)
                        .put("unsubscribed", false).put("leadScore", i).put("createdAt", "2025-03-11T15:20:03Z")
                        .put("updatedAt", "2026-11-0" + (1 + i % 9) + "T10:00:00Z");
                case "activities" -> {
                    n.put("id", 500_000 + i).put("marketoGUID", String.valueOf(500_000 + i)).put("leadId", 100_000 + i)
                            .put("activityDate", "2026-11-01T10:00:00Z").put("activityTypeId", 1).put("primaryAttributeValue", "www.bodea.com/p" + i);
                    n.putArray("attributes").add(f.objectNode().put("name", "Client IP").put("value", "203.0.113.7"))
                            .add(f.objectNode().put("name", "User Agent").put("value", "Mozilla/5.0"));
                }
                default -> n.put("id", i).put("externalCompanyId", "001Hs" + i).put("company", "Company " + i)
                        .put("website", "www.c" + i + ".example").put("industry", "Automotive").put("numberOfEmployees", 500)
                        .put("annualRevenue", 1_000_000).put("billingCountry", "DE");
            }
            items.add(n);
        }
        return items;
    }

    private static ObjectNode envelope(List<JsonNode> items) {
        ObjectNode n = JsonNodeFactory.instance.objectNode().put("success", true);
        n.putArray("result").addAll(items);
        return n;
    }
}
