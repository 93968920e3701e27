package io.cohort.engine;

import io.cohort.engine.sandbox.DrlSandbox;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A rule file whose bytes are not UTF-8 text (saved as Latin-1 or Windows-1252, say), and where
 * its first bad byte is. Such a file never compiles: decoded with replacement characters it could
 * compile to something other than what the analyst's editor shows.
 *
 * @param line    1-based line of the first bad byte
 * @param column  1-based column of the first bad byte, counted as the sandbox counts its columns
 * @param badByte the first bad byte, 0–255
 */
public record NotUtf8(String file, int line, int column, int badByte) {

    /** The compile error it is, in the form of every other rule file error. */
    public RuleMessage message() {
        return RuleMessage.error(file, line, column,
                String.format("not UTF-8 text (byte 0x%02X); save the file as UTF-8", badByte));
    }

    /** Where {@code bytes} stop being UTF-8, or empty when they are UTF-8 text throughout. */
    public static Optional<NotUtf8> find(String file, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        // UTF-8 never decodes to more chars than it has bytes.
        CharBuffer before = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, before, true);
        if (!r.isError()) return Optional.empty();
        // The decoder stops at the bad sequence: what it decoded is the text before it.
        String text = before.flip().toString();
        int[] at = DrlSandbox.lineColumn(text, text.length());
        return Optional.of(new NotUtf8(file, at[0], at[1], bytes[in.position()] & 0xFF));
    }
}
