package io.cohort.api.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The console's files, read once from the jar: our own (listed in {@code console/files.txt}) and
 * the chart library from its webjar. They are served under a fingerprint of their content
 * ({@code /console/static/<fingerprint>/app.js}), so browsers may keep them for a year and a new
 * build is fetched at once; only index.html, which names the fingerprint, is revalidated.
 */
public final class ConsoleAssets {
    static final String ROOT = "/console/";
    /** Webjar versions written by the build (the fat jar leaves out the webjars' own META-INF/maven). */
    private static final String VERSIONS = "io/cohort/api/console/webjars.properties";

    /** One file: its bytes, type and strong validator. */
    public record Asset(String name, byte[] bytes, String contentType, String etag) {}

    private final Map<String, Asset> assets;
    private final String fingerprint;
    private final Asset index;

    private ConsoleAssets(Map<String, Asset> assets, String fingerprint, Asset index) {
        this.assets = assets;
        this.fingerprint = fingerprint;
        this.index = index;
    }

    /** Loads every listed file; fails start-up when one is missing (a broken build, not a runtime state). */
    public static ConsoleAssets load() {
        ClassLoader cl = ConsoleAssets.class.getClassLoader();
        Map<String, byte[]> files = new LinkedHashMap<>();
        String list = new String(read(cl, ROOT.substring(1) + "files.txt"), StandardCharsets.UTF_8);
        for (String line : list.split("\n")) {
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) continue;
            files.put(name, read(cl, ROOT.substring(1) + name));
        }
        String uplot = webjarVersion(cl, "uplot");
        String dist = "META-INF/resources/webjars/uplot/" + uplot + "/dist/";
        files.put("vendor/uPlot.esm.js", read(cl, dist + "uPlot.esm.js"));
        files.put("vendor/uPlot.min.css", read(cl, dist + "uPlot.min.css"));
        files.put("vendor/uPlot.LICENSE.txt", read(cl, "META-INF/resources/webjars/uplot/" + uplot + "/LICENSE"));

        MessageDigest all = sha256();
        Map<String, Asset> assets = new LinkedHashMap<>();
        files.forEach((name, bytes) -> {
            all.update(name.getBytes(StandardCharsets.UTF_8));
            all.update(bytes);
            assets.put(name, asset(name, bytes));
        });
        String fingerprint = HexFormat.of().formatHex(all.digest(), 0, 6);
        String html = new String(read(cl, ROOT.substring(1) + "index.html"), StandardCharsets.UTF_8)
                .replace("{{static}}", "static/" + fingerprint);
        return new ConsoleAssets(Collections.unmodifiableMap(assets), fingerprint,
                asset("index.html", html.getBytes(StandardCharsets.UTF_8)));
    }

    public String fingerprint() { return fingerprint; }

    public Asset index() { return index; }

    /** A fingerprinted file by its name below static/&lt;fingerprint&gt;/; nothing for any other name. */
    public Optional<Asset> get(String name) { return Optional.ofNullable(assets.get(name)); }

    private static Asset asset(String name, byte[] bytes) {
        String etag = "\"" + HexFormat.of().formatHex(sha256().digest(bytes), 0, 12) + "\"";
        return new Asset(name, bytes, contentType(name), etag);
    }

    static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "txt" -> "text/plain; charset=utf-8";
            default -> "application/octet-stream";
        };
    }

    private static String webjarVersion(ClassLoader cl, String webjar) {
        Properties p = new Properties();
        try (InputStream in = cl.getResourceAsStream(VERSIONS)) {
            if (in == null) throw new IllegalStateException("console: " + VERSIONS + " is not on the class path");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String v = p.getProperty(webjar);
        if (v == null || v.isBlank() || v.contains("${")) {
            throw new IllegalStateException("console: " + VERSIONS + " names no built version of " + webjar);
        }
        return v;
    }

    private static byte[] read(ClassLoader cl, String resource) {
        try (InputStream in = cl.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("console: " + resource + " is not on the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("console: cannot read " + resource, e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
