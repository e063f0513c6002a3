import Foundation
import Testing

/// Every operation of the OpenAPI document is called by name in at least one test: a literal
/// `.method, "/path"` in this target's sources, with anything in place of the path's
/// parameters. The sweeps that call every operation generically do not count; a new operation
/// needs a test of its own.
@Suite("Spec coverage")
struct SpecCoverageTests {
    static func testSources() throws -> String {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "swift" && $0.lastPathComponent != "SpecCoverageTests.swift" }
        return try files.map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// `.get, "/v1/notes/\(id)/versions/3"` for `GET /v1/notes/{id}/versions/{n}`: each
    /// parameter any one interpolation or literal segment, then an optional query.
    static func callPattern(method: String, path: String) throws -> Regex<AnyRegexOutput> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            segment.hasPrefix("{") ? #"(\\\([^)]*\)|[^/"?\\]+)"# : NSRegularExpression.escapedPattern(for: String(segment))
        }
        return try Regex(#"\.\#(method),\s*""# + segments.joined(separator: "/") + #"(\?[^"]*)?""#)
    }

    @Test("Every OpenAPI operation has a test that calls it", arguments: try ContractTests.operations())
    func operationIsCalled(_ operation: ContractTests.Operation) throws {
        let pattern = try Self.callPattern(method: operation.method, path: operation.path)
        #expect(
            try Self.testSources().contains(pattern),
            "no test calls \(operation.method.uppercased()) \(operation.path) (\(operation.id))")
    }

    @Test("The pattern tells a call of the operation from a call of its neighbours")
    func patternIsSpecific() throws {
        let versions = try Self.callPattern(method: "get", path: "/v1/notes/{id}/versions/{n}")
        #expect(#".get, "/v1/notes/\(id)/versions/3""#.contains(versions))
        #expect(!#".get, "/v1/notes/\(id)/versions""#.contains(versions))
        #expect(!#".post, "/v1/notes/\(id)/versions/3""#.contains(versions))
        let list = try Self.callPattern(method: "get", path: "/v1/patients")
        #expect(#".get, "/v1/patients?q=ab""#.contains(list))
        #expect(!#".get, "/v1/patients/\(id)""#.contains(list))
    }
}
