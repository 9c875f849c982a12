package dev.launcher.supervise;

import static dev.launcher.supervise.Posix.CALL_STATE;
import static dev.launcher.supervise.Posix.ECHILD;
import static dev.launcher.supervise.Posix.EINTR;
import static dev.launcher.supervise.Posix.call;
import static dev.launcher.supervise.Posix.describe;
import static dev.launcher.supervise.Posix.errno;
import static dev.launcher.supervise.Posix.errnoHandle;
import static dev.launcher.supervise.Posix.toChildPid;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/** Finding and reaping the children that have exited, through waitid (see {@link Posix} for what the Posix* classes share). */
public final class PosixWait {
    // <sys/wait.h>: same values on x86_64 and aarch64.
    private static final int P_ALL = 0;
    private static final int P_PID = 1;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x0100_0000;
    private static final int CLD_EXITED = 1;
    private static final int CLD_KILLED = 2;
    private static final int CLD_DUMPED = 3;

    /*
     * siginfo_t is 128 bytes; for SIGCHLD on Linux's generic layout (x86_64, aarch64, riscv64; not
     * MIPS, which swaps si_code and si_errno): si_signo@0, si_errno@4, si_code@8, then the union at
     * 16 (8-byte aligned): si_pid@16, si_uid@20, si_status@24. Checked with offsetof on x86_64.
     */
    private static final long SIGINFO_BYTES = 128;
    private static final long SI_CODE = 8;
    private static final long SI_PID = 16;
    private static final long SI_STATUS = 24;

    /** waitid(idtype_t, id_t, siginfo_t *, int): both the enum and id_t (unsigned) are 32 bits. */
    private static final MethodHandle WAITID = errnoHandle("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private PosixWait() {}

    /**
     * waitid(P_ALL, 0, WEXITED | WNOWAIT): the first child found that has exited, left a zombie
     * (not reaped: call {@link #reap} with its pid). While a peeked child stays unreaped, every peek
     * finds it again, and a blocking peek returns at once. Children the JDK started (ProcessBuilder)
     * are found too; reaping one takes its exit status away from the JDK, whose Process then
     * reports a made-up one.
     *
     * @param block wait until some child exits; otherwise return empty if none has exited yet
     * @return empty if no child has exited yet (not blocking), or if we have no children at all (ECHILD)
     */
    public static Optional<ChildExit> peekExited(boolean block) {
        return waitid(P_ALL, 0, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    }

    /**
     * waitid(P_PID, pid, WEXITED | WNOWAIT | WNOHANG): whether child {@code pid} has exited, without reaping it.
     *
     * @return empty if it has not exited yet, or is not our child (ECHILD: never was, or already reaped)
     */
    public static Optional<ChildExit> peekExited(long pid) {
        return waitid(P_PID, toChildPid(pid), WEXITED | WNOWAIT | WNOHANG);
    }

    private static Optional<ChildExit> waitid(int idType, int id, int options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);
            while (true) {
                // With WNOHANG and nothing to report waitid returns 0 and leaves siginfo alone: si_pid 0 says "none".
                info.fill((byte) 0);
                int result = call("waitid", () -> (int) WAITID.invokeExact(state, idType, id, info, options));
                if (result == 0) {
                    return childExit(info);
                }
                int errno = errno(state);
                if (errno == ECHILD) {
                    return Optional.empty();
                }
                if (errno != EINTR) {
                    throw new IllegalStateException("waitid(" + idType + ", " + id + ") failed: " + describe(errno));
                }
            }
        }
    }

    private static Optional<ChildExit> childExit(MemorySegment info) {
        int pid = info.get(JAVA_INT, SI_PID);
        if (pid == 0) {
            return Optional.empty();
        }
        int code = info.get(JAVA_INT, SI_CODE);
        int status = info.get(JAVA_INT, SI_STATUS);
        return switch (code) {
            case CLD_EXITED -> Optional.of(new ChildExit(pid, false, status & 0xff));
            case CLD_KILLED, CLD_DUMPED -> Optional.of(new ChildExit(pid, true, status));
            default -> throw new IllegalStateException("waitid reported si_code " + code + " for pid " + pid
                    + " though only exits were asked for");
        };
    }

    /**
     * waitid(P_PID, pid, WEXITED | WNOHANG): reaps child {@code pid} if it has exited, so its pid may be reused.
     * (waitid rather than waitpid: one downcall shape less to link at every start.)
     *
     * @return empty if it has not exited yet, or is not our child (ECHILD: never was, or already reaped)
     */
    public static Optional<ChildExit> reap(long pid) {
        return waitid(P_PID, toChildPid(pid), WEXITED | WNOHANG);
    }
}
