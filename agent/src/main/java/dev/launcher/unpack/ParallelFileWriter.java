package dev.launcher.unpack;

import dev.launcher.cache.Threads;
import dev.launcher.cache.tree.ContentSums;
import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/**
 * Writes the contents of small regular files of one layer on a few threads, while the thread
 * reading the tar keeps making every decision. Creating a small file costs the kernel far more
 * than the bytes in it, and it creates files in different directories in parallel. In the same
 * directory it does not: threads there queue for the directory's lock and together are slower
 * than one. A tar lists a directory's files one after the other, so each run of files in one
 * directory goes to one thread, and the next directory to the least busy one (3,000 files in 60
 * directories on two cores: 1.24 s on the tar thread alone, 1.19 s with four threads sharing
 * each directory, 0.94 s with a directory per thread).
 *
 * <p>A queued write only creates a file whose directory already exists and whose name no other
 * queued write uses. The caller keeps that true with {@link #touchesPending} and calls
 * {@link #awaitAll} before anything else that could meet a queued write: a link, a whiteout, a
 * deletion or replacement, a second entry of the same name, the final directory modes.
 *
 * <p>The first failed write is reported at the next {@link #submit} or {@link #awaitAll}; no
 * write starts after it. {@link #close} returns only once every writer thread has ended, so a
 * caller that empties the target after a failure cannot race a write still under way.
 */
final class ParallelFileWriter implements AutoCloseable {
    /** As many as the assembler's copiers. On two cores, two to six threads did equally well. */
    static final int THREADS = 4;
    /** Larger files are written by the tar thread: their bytes cost more than their creation. */
    static final int MAX_FILE_BYTES = 1 << 20;
    /** Writer threads are named with this prefix and a number. */
    static final String THREAD_NAME = "layer-writer-";
    /** Bounds the heap held by file contents waiting for a writer; the tar thread waits beyond it. */
    private static final long MAX_QUEUED_BYTES = 32L << 20;
    private static final int MAX_QUEUED_FILES = 256;

    private final int threads;
    private final BiFunction<String, IOException, LauncherException> failureReport;
    private final ContentSums sums;
    /** Names queued since the last {@link #awaitAll}, written or not. Used by the tar thread only. */
    private final Set<String> pending = new HashSet<>();
    private final List<Thread> started = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a queued write ends. */
    private final Condition writeEnded = lock.newCondition();
    /** One queue per thread, so that a directory's files stay on the thread they were given to. */
    private ExecutorService[] writers;
    /** Directory of the last queued file, and the writer it went to. Used by the tar thread only. */
    private String lastDirectory;
    private int lastWriter;
    // Guarded by lock.
    private final int[] queuedPerWriter;
    private int queuedFiles;
    private long queuedBytes;
    private String failedName;
    private Throwable failure;
    /** Set after a failure or on close: queued writes that have not started are dropped. */
    private volatile boolean stopped;

    ParallelFileWriter(int threads, BiFunction<String, IOException, LauncherException> failureReport) {
        this(threads, failureReport, new ContentSums());
    }

    /**
     * @param threads       writer threads, started on the first {@link #submit}
     * @param failureReport turns a failed write of an entry into the exception the caller throws for it
     * @param sums          where each written file's CRC32C is recorded, computed on the writer thread from
     *                      the bytes it writes (the tar thread is the one every other step waits for)
     */
    ParallelFileWriter(int threads, BiFunction<String, IOException, LauncherException> failureReport, ContentSums sums) {
        this.threads = threads;
        this.failureReport = failureReport;
        this.sums = sums;
        this.queuedPerWriter = new int[threads];
    }

    /** True if a queued write uses {@code name} or one of its ancestors, so touching it needs {@link #awaitAll} first. */
    boolean touchesPending(String name) {
        if (pending.isEmpty()) {
            return false;
        }
        for (String at = name; !at.isEmpty(); at = EntryNames.parentOf(at)) {
            if (pending.contains(at)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Queues the creation of a new regular file. Waits while too much is queued already.
     *
     * @param name  the entry's clean name, for {@link #touchesPending} and error messages
     * @param path  where to create it; its directory exists and nothing else is queued there
     * @param data  its whole content, at most {@link #MAX_FILE_BYTES}; no longer touched by the caller
     * @throws LauncherException the failure of an earlier queued write, if there was one
     */
    void submit(String name, Path path, byte[] data, int mode, FileTime mtime) {
        int writer;
        lock.lock();
        try {
            // Only this thread adds, so once a condition holds it stays true until the add below.
            while (failure == null && (queuedFiles >= MAX_QUEUED_FILES
                    || queuedFiles > 0 && queuedBytes + data.length > MAX_QUEUED_BYTES)) {
                writeEnded.awaitUninterruptibly();
            }
            throwFailure();
            writer = writerFor(EntryNames.parentOf(name));
            queuedPerWriter[writer]++;
            queuedFiles++;
            queuedBytes += data.length;
        } finally {
            lock.unlock();
        }
        pending.add(name);
        writers()[writer].execute(() -> write(writer, name, path, data, mode, mtime));
    }

    /**
     * Waits until every queued write has ended. Uninterruptible: the target must not be changed
     * behind a write, and a queue of at most {@link #MAX_QUEUED_FILES} small files drains quickly.
     *
     * @throws LauncherException the first failure among them
     */
    void awaitAll() {
        lock.lock();
        try {
            while (queuedFiles > 0) {
                writeEnded.awaitUninterruptibly();
            }
            throwFailure();
        } finally {
            lock.unlock();
        }
        pending.clear();
    }

    /**
     * Drops queued writes that have not started and waits for the threads to end. No timeout: a
     * write stuck in the file system would have stuck the tar thread just the same, and returning
     * early would let the caller empty the target while it could still be written.
     */
    @Override
    public void close() {
        stopped = true;
        if (writers == null) {
            return;
        }
        for (ExecutorService writer : writers) {
            writer.shutdown();
        }
        Threads.joinAll(started);
    }

    /** Called with the lock held: reads the per-writer counts. */
    private int writerFor(String directory) {
        if (!directory.equals(lastDirectory)) {
            lastDirectory = directory;
            int best = (lastWriter + 1) % threads; // ties go round, so idle writers all get a turn
            for (int i = 1; i < threads; i++) {
                int candidate = (best + i) % threads;
                if (queuedPerWriter[candidate] < queuedPerWriter[best]) {
                    best = candidate;
                }
            }
            lastWriter = best;
        }
        return lastWriter;
    }

    private ExecutorService[] writers() {
        if (writers == null) {
            ThreadFactory named = Thread.ofPlatform().name(THREAD_NAME, 0).daemon().factory();
            // Remembered so close can join them: an executor reports termination before its thread has ended.
            ThreadFactory recorded = task -> {
                Thread thread = named.newThread(task);
                started.add(thread);
                return thread;
            };
            writers = new ExecutorService[threads];
            for (int i = 0; i < threads; i++) {
                writers[i] = Executors.newSingleThreadExecutor(recorded); // its thread starts with its first write
            }
        }
        return writers;
    }

    private void write(int writer, String name, Path path, byte[] data, int mode, FileTime mtime) {
        try {
            if (!stopped) {
                try (OutputStream out = ExtractedTree.createFile(path)) {
                    out.write(data);
                }
                ExtractedTree.finishFile(path, mode, mtime);
                sums.record(name, ContentSums.of(data));
            }
        } catch (Throwable t) {
            fail(name, t);
        } finally {
            lock.lock();
            try {
                queuedPerWriter[writer]--;
                queuedFiles--;
                queuedBytes -= data.length;
                writeEnded.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void fail(String name, Throwable t) {
        lock.lock();
        try {
            if (failure == null) {
                failure = t;
                failedName = name;
            }
            stopped = true;
        } finally {
            lock.unlock();
        }
    }

    private void throwFailure() {
        if (failure instanceof IOException io) {
            throw failureReport.apply(failedName, io);
        }
        if (failure != null) {
            throw new IllegalStateException("writing entry '" + failedName + "' failed", failure);
        }
    }
}
