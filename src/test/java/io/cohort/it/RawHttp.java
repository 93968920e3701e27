package io.cohort.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 read off a socket by hand, for tests about the connection itself (what comes back
 * before a body is sent, whether the next request on it is answered): the JDK client hides both.
 */
final class RawHttp {
    private RawHttp() {}

    /** One response: status line, headers (names in lower case), a body by length or chunks. */
    record Answer(int status, Map<String, String> headers, String body) {
        static Answer read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) throw new AssertionError("the connection closed without a response");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            }
            return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != -1; ) {
                if (c == '\n') return b.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
