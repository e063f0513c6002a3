import Foundation
import Testing

/// Every module a target imports is a dependency it declares in Package.swift. A module that
/// arrives only through another dependency builds today and breaks the day that dependency
/// drops it; SwiftPM's own check (`--explicit-target-dependency-import-check`) looks only at the
/// package's own targets, and counts their dependencies' dependencies as declared.
///
/// What this sees: the `import` lines of each target's files, in every form Swift writes them.
/// What it cannot see: a type used with no import of its module, reached through another
/// module's `@_exported import` (PostgresNIO re-exports NIO, so `MultiThreadedEventLoopGroup`
/// of NIOPosix compiles in a file that imports only PostgresNIO). SwiftPM's check accepts such
/// re-exports too. The rule for those is by hand: import the module by name where its types
/// are used and declare it (Application+build.swift imports NIOPosix).
@Suite("Declared dependencies")
struct DeclaredDependencyTests {
    /// The toolchain's modules: no package provides them.
    static let toolchain: Set<String> = [
        "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Synchronization", "Glibc", "Musl",
        "Darwin", "Testing", "XCTest", "_Concurrency", "RegexBuilder",
    ]

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Target: CustomStringConvertible {
        let name: String
        let folder: URL
        let declared: Set<String>
        var description: String { name }
    }

    /// The targets as the manifest declares them (`swift package dump-package`).
    static func targets() throws -> [Target] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch folder of its own: the running test build holds the package's.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-dump-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        process.arguments = ["swift", "package", "--package-path", packageRoot.path, "--scratch-path", scratch.path, "dump-package"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let targets = manifest["targets"] as? [[String: Any]]
        else { throw ManifestUnreadable() }
        return targets.compactMap { target in
            guard let name = target["name"] as? String, let type = target["type"] as? String else { return nil }
            let path = target["path"] as? String ?? (type == "test" ? "Tests/\(name)" : "Sources/\(name)")
            var declared: Set<String> = [name]
            for case let dependency as [String: Any] in target["dependencies"] as? [Any] ?? [] {
                // {"byName": [name, ...]}, {"target": [name, ...]} or {"product": [name, package, ...]}
                if let first = dependency.values.first as? [Any], let dependencyName = first.first as? String {
                    declared.insert(dependencyName)
                }
            }
            return Target(name: name, folder: packageRoot.appendingPathComponent(path), declared: declared)
        }
    }

    struct ManifestUnreadable: Error {}

    /// The modules the Swift files under `folder` import, with a file that imports each.
    static func imports(under folder: URL) throws -> [String: String] {
        let pattern = try Regex(
            #"(?m)^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_]\w*)"#
        )
        var found: [String: String] = [:]
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let module = match.output[1].substring { found[String(module)] = file.lastPathComponent }
            }
        }
        return found
    }

    @Test("Every import of every target is a dependency it declares", arguments: try targets())
    func importsDeclared(target: Target) throws {
        let undeclared = try Self.imports(under: target.folder).filter {
            !target.declared.contains($0.key) && !Self.toolchain.contains($0.key)
        }
        #expect(undeclared.isEmpty, "\(target.name) imports without declaring: \(undeclared.sorted { $0.key < $1.key })")
    }

    @Test("The check reads imports as Swift writes them")
    func readsImports() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-imports-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Written line by line, so that this file's own lines do not start with an import.
        try [
            "import Foundation", "@testable import SoapstoneAPI", "public import NIOCore", "@preconcurrency import Logging",
            "import struct PostgresNIO.PostgresQuery", "// import NotThis", #"let text = "import NorThis""#,
        ].joined(separator: "\n").write(to: folder.appendingPathComponent("A.swift"), atomically: true, encoding: .utf8)
        #expect(
            Set(try Self.imports(under: folder).keys) == ["Foundation", "SoapstoneAPI", "NIOCore", "Logging", "PostgresNIO"])
    }
}
