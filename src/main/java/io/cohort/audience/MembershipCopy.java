package io.cohort.audience;

import io.cohort.identity.UnifiedIds;
import io.cohort.model.Qualified;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The realized memberships as a clean stop left them, in a file beside the graph's snapshot, so
 * that the next start need not read them from the database: at 1M profiles and 60 segments that
 * read (9.6M rows) took 34–36 s and was what a restart waited for. The file is only a copy: it is
 * used when its stamp matches the database (the last change number the audience stage gave, and
 * the number of realized rows), and the database is read otherwise or when the file does not read
 * back whole.
 */
public final class MembershipCopy {
    private static final long MAGIC = 0x434f484f52544d31L; // "COHORTM1"
    private static final byte KEYED = 1;
    private static final byte OTHER = 2;
    private static final byte END = 0;

    /**
     * What the copy is of: the highest change number stored (feed and outbox) and how many
     * realized memberships there were.
     */
    public record Stamp(long lastNumber, long realized) {}

    /** A copy read back: its stamp, and the memberships grouped by person. */
    public record Contents(Stamp stamp, List<Qualified> realized) {}

    private MembershipCopy() {}

    /** The copy's file beside the graph snapshot {@code snapshot}. */
    public static Path beside(Path snapshot) { return snapshot.resolveSibling(snapshot.getFileName() + ".memberships"); }

    /**
     * Writes the copy (to a temporary file moved in place, so a crash leaves the old file or the
     * new one, never half of one).
     *
     * @param lastNumber the highest change number stored (the stamp's; its count of realized
     *                   memberships is what {@code members} visits)
     * @param members    visits each person and their segments (twice)
     * @return the stamp written
     */
    public static Stamp write(Path file, long lastNumber, Consumer<BiConsumer<String, String[]>> members) throws IOException {
        Map<String, Integer> segments = new LinkedHashMap<>();
        long[] realized = {0};
        members.accept((person, segs) -> {
            realized[0] += segs.length;
            for (String s : segs) segments.putIfAbsent(s, segments.size());
        });
        Stamp stamp = new Stamp(lastNumber, realized[0]);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        CRC32 crc = new CRC32();
        try (DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), crc))) {
            out.writeLong(MAGIC);
            out.writeLong(stamp.lastNumber());
            out.writeLong(stamp.realized());
            out.writeInt(segments.size());
            for (String s : segments.keySet()) out.writeUTF(s);
            IOException[] failed = {null};
            members.accept((person, segs) -> {
                if (failed[0] != null) return;
                try {
                    if (UnifiedIds.isPersonId(person)) {
                        out.writeByte(KEYED);
                        out.writeLong(UnifiedIds.personKey(person));
                    } else {
                        out.writeByte(OTHER);
                        out.writeUTF(person);
                    }
                    out.writeShort(segs.length);
                    for (String s : segs) out.writeShort(segments.get(s));
                } catch (IOException e) {
                    failed[0] = e;
                }
            });
            if (failed[0] != null) throw failed[0];
            out.writeByte(END);
            out.flush();
            out.writeLong(crc.getValue());
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return stamp;
    }

    /** The copy in {@code file}; empty when there is none or it does not read back whole (checked by its CRC). */
    public static Optional<Contents> read(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        CRC32 crc = new CRC32();
        try (DataInputStream in = new DataInputStream(new CheckedInputStream(
                new BufferedInputStream(Files.newInputStream(file), 1 << 16), crc))) {
            if (in.readLong() != MAGIC) return Optional.empty();
            Stamp stamp = new Stamp(in.readLong(), in.readLong());
            int n = in.readInt();
            if (n < 0 || n > 1 << 20) return Optional.empty();
            String[] segments = new String[n];
            for (int i = 0; i < n; i++) segments[i] = in.readUTF();
            List<Qualified> realized = new ArrayList<>((int) Math.min(stamp.realized(), 1 << 26));
            Map<String, String> ids = new HashMap<>();
            for (byte kind = in.readByte(); kind != END; kind = in.readByte()) {
                String person = switch (kind) {
                    case KEYED -> UnifiedIds.personId(in.readLong());
                    case OTHER -> ids.computeIfAbsent(in.readUTF(), k -> k);
                    default -> null;
                };
                if (person == null) return Optional.empty();
                int k = in.readUnsignedShort();
                for (int i = 0; i < k; i++) {
                    int s = in.readUnsignedShort();
                    if (s >= n) return Optional.empty();
                    realized.add(new Qualified(segments[s], person));
                }
            }
            long computed = crc.getValue();
            if (in.readLong() != computed || in.read() != -1) return Optional.empty();
            if (realized.size() != stamp.realized()) return Optional.empty();
            return Optional.of(new Contents(stamp, realized));
        } catch (IOException e) { // cut short (EOFException) or unreadable
            return Optional.empty();
        }
    }
}
