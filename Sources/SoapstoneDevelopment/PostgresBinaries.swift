import Foundation
import Logging

/// Where `initdb` and `pg_ctl` are: on PATH, else in Debian's /usr/lib/postgresql/NN/bin.
/// When neither has them and this process is root on Debian, PostgreSQL 15 is installed from
/// Debian's packages, so a fresh machine needs nothing done by hand.
struct PostgresBinaries: Sendable {
    let initdb: String
    let pgCtl: String

    /// The repository's one installer (it waits for any other install running at the same
    /// time): `soapstone dev` and the tests run from a checkout, which has it beside the sources.
    static let installer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/apt-install").standardizedFileURL.path

    static func locate(logger: Logger) throws -> PostgresBinaries {
        if let found = find() { return found }
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: installer) else {
            throw LocalClusterError(
                "PostgreSQL 15 is not installed (no initdb on PATH or in /usr/lib/postgresql); install it, e.g. `apt-get install postgresql-15`"
            )
        }
        logger.notice("PostgreSQL is not installed; installing Debian's postgresql-15")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: installer)
        process.arguments = ["postgresql-15"]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LocalClusterError("\(installer) postgresql-15 failed (exit \(process.terminationStatus))")
        }
        guard let found = find() else { throw LocalClusterError("postgresql-15 was installed, but initdb is still not found") }
        return found
    }

    private static func find() -> PostgresBinaries? {
        let fm = FileManager.default
        var folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let debian = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: debian)) ?? []).compactMap(Int.init).sorted(by: >)
        folders += versions.map { "\(debian)/\($0)/bin" }
        for folder in folders {
            let initdb = "\(folder)/initdb"
            let pgCtl = "\(folder)/pg_ctl"
            if fm.isExecutableFile(atPath: initdb), fm.isExecutableFile(atPath: pgCtl) {
                return PostgresBinaries(initdb: initdb, pgCtl: pgCtl)
            }
        }
        return nil
    }
}
