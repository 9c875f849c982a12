package dev.launcher.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The few file calls the JDK has no byte-exact form of, made through FFM on raw paths: a symlink whose target is
 * kept byte for byte (the JDK would drop a trailing slash or a doubled one and encode the rest in the locale's
 * charset), reading such a target back, growing a file with a hole, and how many blocks a file really occupies.
 * Each is linked on first use: most starts never need one.
 */
public final class NativeFiles {
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EEXIST = 17;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int STATX_SIZE = 0x200;
    private static final int STATX_BLOCKS = 0x400;
    /** struct statx is the same on every architecture: 256 bytes, stx_size at 40, stx_blocks at 48. */
    private static final long STATX_BYTES = 256;
    private static final long STX_SIZE = 40;
    private static final long STX_BLOCKS = 48;
    private static final long PATH_MAX = 4096;

    private NativeFiles() {}

    /** Linked when first used. */
    private static final class Calls {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = STATE.varHandle(PathElement.groupElement("errno"));
        static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
        static final MethodHandle SYMLINK = handle("symlink", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle READLINK = handle("readlink", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        static final MethodHandle TRUNCATE = handle("truncate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle STATX = handle("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.findOrThrow("strerror"),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));

        private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
            return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, CAPTURE_ERRNO);
        }
    }

    /** Creates the symlink {@code link} with exactly the bytes of {@code rawTarget} as its target. */
    public static void symlink(Path link, String rawTarget) throws IOException {
        onPath(link, "symlink", (arena, path, state) -> {
            MemorySegment target = cString(arena, FileNames.bytes(rawTarget));
            return (long) (int) Calls.SYMLINK.invokeExact(state, target, path);
        });
    }

    /** The raw target of the symlink {@code link}. */
    public static String readlink(Path link) throws IOException {
        try (Arena buffers = Arena.ofConfined()) {
            MemorySegment buffer = buffers.allocate(PATH_MAX);
            long length = onPath(link, "readlink",
                    (arena, path, state) -> (long) Calls.READLINK.invokeExact(state, path, buffer, PATH_MAX));
            return FileNames.raw(buffer.asSlice(0, length).toArray(JAVA_BYTE));
        }
    }

    /** Sets the length of the regular file {@code file}; growing it leaves a hole, which takes no space. */
    public static void truncate(Path file, long length) throws IOException {
        onPath(file, "truncate", (arena, path, state) -> (long) (int) Calls.TRUNCATE.invokeExact(state, path, length));
    }

    /** Bytes the file {@code file} (not followed if a symlink) occupies on disk: 512 per block allocated. */
    public static long allocatedBytes(Path file) throws IOException {
        try (Arena buffers = Arena.ofConfined()) {
            MemorySegment buffer = buffers.allocate(STATX_BYTES, 8);
            onPath(file, "statx", (arena, path, state) -> (long) (int) Calls.STATX.invokeExact(state, AT_FDCWD, path,
                    AT_SYMLINK_NOFOLLOW, STATX_SIZE | STATX_BLOCKS, buffer));
            return buffer.get(JAVA_LONG, STX_BLOCKS) * 512;
        }
    }

    /** The path's bytes as the kernel takes them, NUL-terminated: not its text, which the locale may not encode. */
    public static MemorySegment cPath(Arena arena, Path path) {
        return cString(arena, FileNames.absoluteBytes(path));
    }

    /** A call on one path, given as its raw bytes, with errno captured in {@code state}; negative on failure. */
    @FunctionalInterface
    private interface PathCall {
        long invoke(Arena arena, MemorySegment path, MemorySegment state) throws Throwable;
    }

    /** Runs {@code call}; a negative result becomes the IOException the JDK's own file calls would throw. */
    private static long onPath(Path file, String name, PathCall call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Calls.STATE);
            long result = call.invoke(arena, cPath(arena, file), state);
            if (result < 0) {
                throw failure(file, name, state);
            }
            return result;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** These bytes, NUL-terminated. */
    public static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        s.set(JAVA_BYTE, bytes.length, (byte) 0);
        return s;
    }

    /** The exception the JDK's own file calls would throw for this errno. */
    private static IOException failure(Path path, String call, MemorySegment state) throws Throwable {
        int errno = (int) Calls.ERRNO.get(state, 0L);
        String file = FileNames.display(FileNames.raw(FileNames.absoluteBytes(path)));
        return switch (errno) {
            case EEXIST -> new FileAlreadyExistsException(file);
            case ENOENT -> new NoSuchFileException(file);
            case EACCES -> new AccessDeniedException(file);
            default -> new FileSystemException(file, null, call + ": " + strerror(errno));
        };
    }

    private static String strerror(int errno) throws Throwable {
        MemorySegment text = (MemorySegment) Calls.STRERROR.invokeExact(errno);
        return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(1024).getString(0);
    }
}
