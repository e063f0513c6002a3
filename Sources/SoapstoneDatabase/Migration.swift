import Crypto
import Foundation

/// One schema change: a pair of SQL files `NNNN_name.up.sql` and `NNNN_name.down.sql`.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String

    /// SHA-256 of the up file as lowercase hex, as `sha256sum` prints it. Recorded when the
    /// migration is applied; a different value later means the file changed after the fact.
    public var checksum: String {
        SHA256.hash(data: Data(up.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public init(version: Int, name: String, up: String, down: String) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    /// The migrations shipped with this build, in order.
    public static func bundled() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.missingFiles("the Migrations folder is not in the SoapstoneDatabase bundle")
        }
        return try load(from: folder)
    }

    /// Reads every `NNNN_name.up.sql` with its `.down.sql` from `folder`.
    public static func load(from folder: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        var migrations: [Migration] = []
        for file in files.sorted() where file.hasSuffix(".up.sql") {
            let stem = String(file.dropLast(".up.sql".count))
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), version > 0 else {
                throw MigrationError.missingFiles("\(file) is not named NNNN_name.up.sql")
            }
            let downFile = "\(stem).down.sql"
            guard files.contains(downFile) else {
                throw MigrationError.missingFiles("\(file) has no \(downFile)")
            }
            migrations.append(
                Migration(
                    version: version,
                    name: String(parts[1]),
                    up: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8),
                    down: try String(contentsOf: folder.appendingPathComponent(downFile), encoding: .utf8)
                ))
        }
        let versions = migrations.map(\.version)
        guard Set(versions).count == versions.count else {
            throw MigrationError.missingFiles("two migrations share a version number")
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case missingFiles(String)
    /// An applied migration's file no longer matches what was applied.
    case checksumMismatch(version: Int, name: String, recorded: String, current: String)
    /// The database has a migration this build does not know (a newer build applied it).
    case unknownApplied(version: Int)
    case noSuchVersion(Int)

    public var description: String {
        switch self {
        case .missingFiles(let what):
            "migration files: \(what)"
        case .checksumMismatch(let version, let name, let recorded, let current):
            "migration \(version) (\(name)) was changed after it was applied: recorded sha256 \(recorded), file now \(current). "
                + "Applied migrations are history: restore the file and put the change in a new migration."
        case .unknownApplied(let version):
            "the database has migration \(version) applied, which this build does not know; run a build that has it"
        case .noSuchVersion(let version):
            "there is no migration \(version)"
        }
    }
}
