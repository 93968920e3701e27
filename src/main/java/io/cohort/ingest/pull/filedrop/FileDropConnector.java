package io.cohort.ingest.pull.filedrop;

import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.SyncStream;
import java.util.List;

/** A watched directory of export files; one stream, {@code files}. */
final class FileDropConnector implements Connector {
    private final String sourceId;
    private final FilesStream files;

    FileDropConnector(String sourceId, FileDropPull config, PullContext ctx) {
        this.sourceId = sourceId;
        this.files = new FilesStream(sourceId, config, ctx);
    }

    @Override public String sourceId() { return sourceId; }

    @Override public String type() { return "filedrop"; }

    @Override public List<SyncStream> streams() { return List.of(files); }
}
