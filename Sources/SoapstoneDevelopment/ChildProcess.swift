import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to completion with posix_spawn and waitpid. Foundation's `Process` is not
/// used for the PostgreSQL tools: it learns that a child ended when a socket it shares with the
/// child closes, and `pg_ctl start` leaves a server behind that would hold that socket forever.
/// Here the child gets /dev/null as stdin, the log file as stdout and stderr, and none of our
/// other file descriptors, so nothing it leaves running can hold a caller's pipe open.
public enum ChildProcess {
    static func run(_ arguments: [String], workingDirectory: String, log: String) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try runBlocking(arguments, workingDirectory: workingDirectory, log: log))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func runBlocking(_ arguments: [String], workingDirectory: String, log: String) throws -> Int32 {
        try waitForExit(of: spawn(arguments, workingDirectory: workingDirectory, log: log), named: arguments.first ?? "?")
    }

    /// Starts a program and answers its process id, for a caller that stops it (by that id)
    /// and then waits for it with `waitForExit`.
    public static func spawn(_ arguments: [String], workingDirectory: String, log: String) throws -> pid_t {
        // posix_spawn cannot change folder; a shell does it, then becomes the program.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workingDirectory] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for fd in openDescriptors() where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        // A child starts with no signal blocked and none ignored. It would inherit both from the
        // spawning thread, a Dispatch worker that blocks every signal: a script's SIGTERM trap
        // would then never run, and the processes it started would outlive it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArguments, environ)
        guard spawned == 0 else {
            throw LocalClusterError("cannot start \(arguments.first ?? "?"): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Waits for a spawned program to end; answers its exit status, or 128 + the signal that
    /// ended it.
    public static func waitForExit(of pid: pid_t, named name: String) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw LocalClusterError("lost track of \(name) (waitpid failed)") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap(Int32.init)
    }
}
