import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster of the project's own, kept in one folder: `pg/` holds the data,
/// `run/` the unix socket, `postgres.log` the server's output. `soapstone dev` keeps one in
/// `.data/`; the tests make a throwaway one under the system temp folder.
///
/// PostgreSQL refuses to run as root, so when this process is root, `initdb`, `pg_ctl` and the
/// server run as the `postgres` OS user, who owns the folder.
public struct LocalCluster: Sendable {
    public struct Settings: Sendable {
        /// Extra `postgresql.conf` lines, e.g. durability traded for speed in tests.
        public var serverSettings: [String: String]
        public var logger: Logger

        public init(serverSettings: [String: String] = [:], logger: Logger) {
            self.serverSettings = serverSettings
            self.logger = logger
        }

        /// For throwaway clusters: no fsync, room for many parallel test connections, and every
        /// statement recorded (nested ones too) so a test can read what the server ran. Room
        /// for many: each test's database records its own.
        public static func throwaway(logger: Logger) -> Settings {
            Settings(
                serverSettings: [
                    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "1000",
                    "shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all",
                    "pg_stat_statements.max": "50000",
                ], logger: logger)
        }
    }

    /// The superuser `initdb` creates; it logs in over the socket without a password.
    public static let superuser = "postgres"

    public let folder: URL
    public var dataDirectory: URL { folder.appendingPathComponent("pg") }
    public var logFile: URL { folder.appendingPathComponent("postgres.log") }
    public let socketDirectory: URL
    let settings: Settings
    let binaries: PostgresBinaries

    public init(folder: URL, settings: Settings) throws {
        self.folder = folder.standardizedFileURL
        self.settings = settings
        self.binaries = try PostgresBinaries.locate(logger: settings.logger)
        // A unix socket path holds at most 107 bytes; a deep checkout gets a short folder in /tmp.
        let preferred = self.folder.appendingPathComponent("run")
        if preferred.path.utf8.count + "/.s.PGSQL.65535".utf8.count <= 100 {
            self.socketDirectory = preferred
        } else {
            self.socketDirectory = URL(fileURLWithPath: "/tmp/soapstone-\(Self.shortHash(of: self.folder.path))")
        }
    }

    /// Whether the server, which runs as the postgres OS user when this process is root, can
    /// reach `folder` (or the nearest existing folder above it): a checkout under a closed
    /// home folder cannot hold the cluster.
    public static func serverCanReach(_ folder: URL) -> Bool {
        guard geteuid() == 0, let account = getpwnam("postgres") else { return true }
        var probe = folder.standardizedFileURL
        while !FileManager.default.fileExists(atPath: probe.path), probe.path != "/" { probe.deleteLastPathComponent() }
        // Every folder from / down must let the postgres user pass.
        var path = probe
        while true {
            var info = stat()
            guard stat(path.path, &info) == 0 else { return false }
            let mode = info.st_mode
            let passable =
                info.st_uid == account.pointee.pw_uid
                ? mode & S_IXUSR != 0
                : info.st_gid == account.pointee.pw_gid ? mode & S_IXGRP != 0 : mode & S_IXOTH != 0
            if !passable { return false }
            if path.path == "/" { return true }
            path.deleteLastPathComponent()
        }
    }

    /// Creates the cluster if needed and starts it, or finds it already running; on `port` if
    /// given (a server started again where its clients look for it), else on a free one.
    public func start(port wanted: Int? = nil) async throws -> RunningCluster {
        let logger = settings.logger
        try prepareFolders()
        if !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            try await initialize()
        }
        if let running = try runningServer() {
            logger.info("PostgreSQL is already running", metadata: ["pid": "\(running.pid)", "port": "\(running.port)"])
            return RunningCluster(cluster: self, port: running.port, startedHere: false)
        }
        let port = try wanted ?? LoopbackPort.free()
        try writeSettings(port: port)
        logger.info("starting PostgreSQL", metadata: ["data": "\(dataDirectory.path)", "port": "\(port)"])
        try await run(binaries.pgCtl, ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "120", "start"])
        return RunningCluster(cluster: self, port: port, startedHere: true)
    }

    /// Stops the server with a fast shutdown (open sessions are rolled back, not waited for).
    public func stop() async throws {
        try await run(binaries.pgCtl, ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// Stops the server synchronously: for exit handlers, where no async context is left.
    public func stopNow() {
        try? runSynchronously(binaries.pgCtl, ["-D", dataDirectory.path, "-m", "immediate", "-w", "-t", "30", "stop"])
    }

    // MARK: - Set-up

    private var runsAsPostgresUser: Bool { geteuid() == 0 }

    private func prepareFolders() throws {
        let fm = FileManager.default
        for url in [folder, socketDirectory] {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
        }
        if runsAsPostgresUser {
            guard let account = getpwnam("postgres") else {
                throw LocalClusterError(
                    "this process runs as root, and PostgreSQL must not: there is no `postgres` OS user to run it as")
            }
            for url in [folder, socketDirectory] {
                chown(url.path, account.pointee.pw_uid, account.pointee.pw_gid)
            }
            if fm.fileExists(atPath: dataDirectory.path) {
                try run(synchronously: ["/bin/chown", "-R", "postgres:postgres", dataDirectory.path])
            }
            guard Self.serverCanReach(folder) else {
                throw LocalClusterError(
                    "the postgres OS user cannot reach \(folder.path): a folder above it is closed to other users. "
                        + "Put the data elsewhere (--data-dir or SOAPSTONE_DATA_DIR), e.g. under /var/tmp.")
            }
        }
        chmod(socketDirectory.path, 0o700)
    }

    private func initialize() async throws {
        let fm = FileManager.default
        if let entries = try? fm.contentsOfDirectory(atPath: dataDirectory.path), !entries.isEmpty {
            throw LocalClusterError(
                "\(dataDirectory.path) is not empty but holds no PostgreSQL cluster; move it away and start again")
        }
        settings.logger.info("creating a PostgreSQL cluster", metadata: ["data": "\(dataDirectory.path)"])
        try await run(
            binaries.initdb,
            [
                "-D", dataDirectory.path, "-U", Self.superuser, "--auth-local=trust", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ])
        // Our settings live in a file of their own, rewritten at each start.
        let conf = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        handle.seekToEndOfFile()
        handle.write(Data("\ninclude_if_exists = 'soapstone.conf'\n".utf8))
        try handle.close()
    }

    private func writeSettings(port: Int) throws {
        var lines = [
            "# Written by Soapstone at each start; edits are overwritten.",
            "port = \(port)",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = '\(socketDirectory.path)'",
            "unix_socket_permissions = 0700",
        ]
        for (key, value) in settings.serverSettings.sorted(by: { $0.key < $1.key }) {
            lines.append("\(key) = '\(value)'")
        }
        let url = dataDirectory.appendingPathComponent("soapstone.conf")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        chmod(url.path, 0o644)
    }

    /// The server this data folder's postmaster.pid names, if it is alive. A pid file whose
    /// process is gone, or is not a postgres server any more, is stale and removed.
    private func runningServer() throws -> (pid: Int32, port: Int)? {
        let pidFile = dataDirectory.appendingPathComponent("postmaster.pid")
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.count > 3, let pid = Int32(lines[0].trimmingWhitespace()), pid > 0,
            let port = Int(lines[3].trimmingWhitespace()), Self.isLivePostgres(pid)
        {
            return (pid, port)
        }
        settings.logger.notice("removing a stale postmaster.pid", metadata: ["file": "\(pidFile.path)"])
        try FileManager.default.removeItem(at: pidFile)
        return nil
    }

    /// A postgres process that is alive: not gone, not another program that was given its id,
    /// and not a zombie. A killed postmaster stays a zombie until its parent (pg_ctl is gone, so
    /// whoever adopted it) reaps it, and keeps its name meanwhile.
    public static func isLivePostgres(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
        else { return false }
        let name = stat[stat.index(after: open)..<close]
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return name.hasPrefix("postgres") && state != "Z" && state != "X"
    }

    // MARK: - Processes

    /// PostgreSQL's tools as this process may run them: as the postgres OS user when root.
    private func command(_ executable: String, _ arguments: [String]) -> [String] {
        runsAsPostgresUser ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
    }

    /// Runs a PostgreSQL tool with its output in the cluster's log (never our own stdout: a
    /// server that inherited it would hold the caller's pipe open after we exit).
    private func run(_ executable: String, _ arguments: [String]) async throws {
        try prepareLog()
        let status = try await ChildProcess.run(command(executable, arguments), workingDirectory: folder.path, log: logFile.path)
        guard status == 0 else { throw failure(executable, arguments, status) }
    }

    private func runSynchronously(_ executable: String, _ arguments: [String]) throws {
        try run(synchronously: command(executable, arguments))
    }

    private func run(synchronously arguments: [String], orThrow failure: (() -> LocalClusterError)? = nil) throws {
        try prepareLog()
        let status = try ChildProcess.runBlocking(arguments, workingDirectory: "/", log: logFile.path)
        guard status == 0 else { throw failure?() ?? self.failure(arguments[0], Array(arguments.dropFirst()), status) }
    }

    private func failure(_ executable: String, _ arguments: [String], _ status: Int32) -> LocalClusterError {
        LocalClusterError(
            "\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.last ?? "") failed (exit \(status)); see \(logFile.path)"
        )
    }

    /// The log belongs to the postgres user, who appends to it too.
    private func prepareLog() throws {
        guard !FileManager.default.fileExists(atPath: logFile.path) else { return }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        if runsAsPostgresUser, let account = getpwnam("postgres") {
            chown(logFile.path, account.pointee.pw_uid, account.pointee.pw_gid)
        }
    }

    public static func shortHash(of text: String) -> String {
        // FNV-1a: stable across runs, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// A started cluster and how to reach it.
public struct RunningCluster: Sendable {
    public let cluster: LocalCluster
    public let port: Int
    /// False when the server was already running: then it is somebody else's to stop.
    public let startedHere: Bool

    public var socketPath: String { cluster.socketDirectory.appendingPathComponent(".s.PGSQL.\(port)").path }

    public func configuration(user: String, database: String) -> PostgresClient.Configuration {
        .init(unixSocketPath: socketPath, username: user, password: nil, database: database)
    }

    /// The same place as a URL, for psql and for `--database-url`.
    public func url(user: String, database: String) -> String {
        "postgresql://\(user)@/\(database)?host=\(cluster.socketDirectory.path)&port=\(port)"
    }
}

public struct LocalClusterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
