package dev.launcher.supervise;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What the kernel says about a process, read from /proc: the tests' independent witness. */
final class Procfs {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Procfs() {}

    /** The fields of /proc/pid/stat after "pid (comm)": [0] is the state, [1] ppid, [2] pgrp. */
    static Optional<String[]> stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Optional.of(line.substring(line.lastIndexOf(')') + 2).strip().split(" "));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String comm(long pid) {
        try {
            String line = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static char state(long pid) {
        return stat(pid).map(fields -> fields[0].charAt(0)).orElse('-');
    }

    static long ppid(long pid) {
        return Long.parseLong(stat(pid).orElseThrow()[1]);
    }

    static long pgrp(long pid) {
        return Long.parseLong(stat(pid).orElseThrow()[2]);
    }

    /** Whether {@code pid} exists (zombie or not) with {@code parent} as its parent. */
    static boolean isChildOf(long pid, long parent) {
        return stat(pid).map(fields -> Long.parseLong(fields[1]) == parent).orElse(false);
    }

    static boolean exists(long pid) {
        return Files.exists(Path.of("/proc/" + pid));
    }

    /** The pids of every process in group {@code pgid}. */
    static List<Long> groupMembers(long pgid) {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    long pid = Long.parseLong(name);
                    stat(pid).filter(fields -> Long.parseLong(fields[2]) == pgid).ifPresent(fields -> members.add(pid));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return members;
    }

    /** A line of /proc/pid/status such as "SigBlk", its value. */
    static String status(String file, String field) {
        try {
            return Files.readAllLines(Path.of(file)).stream()
                    .filter(line -> line.startsWith(field + ":"))
                    .map(line -> line.substring(field.length() + 1).strip())
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> environ(long pid) throws IOException {
        String raw = Files.readString(Path.of("/proc/" + pid + "/environ"));
        return raw.isEmpty() ? List.of() : Arrays.asList(raw.split("\0"));
    }

    /**
     * Waits until {@code pid} has finished exec'ing: glibc's posix_spawn returns as soon as the exec
     * has swapped the memory (CLONE_VFORK), before the kernel has closed the close-on-exec
     * descriptors or laid out the new environment, which it does last.
     */
    static void awaitExecDone(long pid) {
        await("pid " + pid + " to finish exec", () -> {
            try {
                return !environ(pid).isEmpty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Path cwd(long pid) throws IOException {
        return Path.of("/proc/" + pid + "/cwd").toRealPath();
    }

    static List<Integer> descriptors(long pid) throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return entries.map(entry -> Integer.parseInt(entry.getFileName().toString())).sorted().toList();
        }
    }

    /** "fd -> target" for each open descriptor of pid, in fd order; descriptors closed while listing are left out. */
    static List<String> descriptorTargets(long pid) {
        List<String> targets = new ArrayList<>();
        try {
            for (int fd : descriptors(pid)) {
                try {
                    targets.add(fd + " -> " + Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)));
                } catch (NoSuchFileException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return targets;
    }

    static void await(String what, BooleanSupplier condition) {
        awaitValue(what, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty());
    }

    static <T> T awaitValue(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                fail("gave up after " + PATIENCE + " waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }
}
