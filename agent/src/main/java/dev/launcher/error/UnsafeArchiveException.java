package dev.launcher.error;

/** An archive entry that would escape its target, create a device, or exceed a size bound. */
public final class UnsafeArchiveException extends LauncherException {
    public UnsafeArchiveException(String message) {
        super(ExitCode.INTEGRITY, message);
    }
}
