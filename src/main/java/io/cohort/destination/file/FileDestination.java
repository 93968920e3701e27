package io.cohort.destination.file;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.destination.Activation;
import io.cohort.destination.AudienceChange;
import io.cohort.destination.ConnectionCheck;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.DeliveryResult;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes, per batch: the delta file, then the member state, then the snapshots, each to a temp
 * file moved into place atomically, so a reader never sees half a file. Redelivering a batch
 * (after a crash between two writes) rewrites the same delta file and yields the same state.
 */
final class FileDestination implements Destination {
    /** One current member, as kept in the state file and written to snapshots. */
    record Member(String email, long seq, String since) {}

    private final FileDestinationFactory config;
    private final ObjectMapper mapper;
    private final Path dir;
    private final Set<PosixFilePermission> mode;
    private final Map<String, TreeMap<String, Member>> states = new ConcurrentHashMap<>();
    /**
     * When this process last wrote each state file: a file changed since (another Cohort process
     * of a cluster dispatched the activation meanwhile, into a shared directory) is read again.
     */
    private final Map<String, java.nio.file.attribute.FileTime> written = new ConcurrentHashMap<>();

    FileDestination(FileDestinationFactory config, DestinationContext ctx) {
        this.config = config;
        this.mapper = ctx.mapper();
        this.dir = Path.of(config.getDirectory());
        this.mode = FileDestinationFactory.permissions(config.getFileMode());
    }

    @Override public int maxBatchSize() { return config.getBatchSize(); }

    @Override public List<String> validateActivation(Map<String, String> params) { return List.of(); }

    @Override
    public ConnectionCheck check() {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".check", ".tmp");
            Files.delete(probe);
            return ConnectionCheck.healthy("directory " + dir.toAbsolutePath() + " writable");
        } catch (IOException e) {
            return ConnectionCheck.failed("directory " + dir.toAbsolutePath() + " not writable: " + e);
        }
    }

    @Override
    public synchronized DeliveryResult deliver(Activation activation, List<AudienceChange> changes) throws DeliveryException {
        String id = activation.id();
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw new DeliveryException.Fatal("activation id unusable as a file name: " + id);
        try {
            Files.createDirectories(dir);
            TreeMap<String, Member> members = state(id);
            StringBuilder delta = new StringBuilder();
            for (AudienceChange c : changes) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("seq", c.seq());
                line.put("personId", c.personId());
                line.put("action", c.action().name().toLowerCase(Locale.ROOT));
                line.put("email", c.email());
                line.put("at", c.at().toString());
                delta.append(mapper.writeValueAsString(line)).append('\n');
                if (c.action() == AudienceChange.Action.ADD) members.put(c.personId(), new Member(c.email(), c.seq(), c.at().toString()));
                else members.remove(c.personId());
            }
            long first = changes.get(0).seq();
            long last = changes.get(changes.size() - 1).seq();
            writeAtomically(dir.resolve(id + "-" + first + "-" + last + ".jsonl"), delta.toString());
            Path stateFile = dir.resolve(id + ".state.json");
            writeAtomically(stateFile, mapper.writeValueAsString(members));
            written.put(id, Files.getLastModifiedTime(stateFile));
            for (FileDestinationFactory.Format f : config.getFormats()) {
                writeAtomically(dir.resolve(id + "." + f.name().toLowerCase(Locale.ROOT)), snapshot(f, members));
            }
            return DeliveryResult.ok();
        } catch (AccessDeniedException e) {
            states.remove(id);
            throw new DeliveryException.Fatal("no permission to write " + e.getFile(), e);
        } catch (IOException e) { // e.g. disk full: may clear up
            states.remove(id); // re-read the last state that reached the disk
            throw new DeliveryException.Retriable("writing files for " + id + " failed: " + e, null, e);
        }
    }

    private TreeMap<String, Member> state(String id) throws IOException {
        Path file = dir.resolve(id + ".state.json");
        TreeMap<String, Member> m = states.get(id);
        if (m != null && Files.exists(file) && Files.getLastModifiedTime(file).equals(written.get(id))) return m;
        m = Files.exists(file) ? mapper.readValue(file.toFile(), new TypeReference<TreeMap<String, Member>>() {}) : new TreeMap<>();
        states.put(id, m);
        return m;
    }

    private String snapshot(FileDestinationFactory.Format format, TreeMap<String, Member> members) throws IOException {
        if (format == FileDestinationFactory.Format.CSV) {
            List<Object[]> rows = new java.util.ArrayList<>();
            members.forEach((id, m) -> rows.add(new Object[] {id, m.email(), m.seq(), m.since()}));
            return SafeCsv.write(List.of("person_id", "email", "seq", "since"), rows);
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Member> e : members.entrySet()) {
            Member m = e.getValue();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("personId", e.getKey());
            line.put("email", m.email());
            line.put("seq", m.seq());
            line.put("since", m.since());
            out.append(mapper.writeValueAsString(line)).append('\n');
        }
        return out.toString();
    }

    /** Temp file in the same directory, given the configured mode, forced to disk, then renamed over the target. */
    private void writeAtomically(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            // createTempFile makes files only the owner can read; readers of audience files are
            // usually other users (an upload job, a web server): use the configured mode (0644).
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, mode);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
