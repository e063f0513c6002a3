import Foundation
import Logging
import SoapstoneCore

/// Logs as JSON lines on standard error: `time`, `level`, `label`, `message`, then the metadata
/// as fields (the request id among them), for a log shipper to index without parsing prose.
///
/// Metadata is kept as given and written out only with a line. PostgresNIO sets the connection's
/// id on its logger for every statement; swift-log's StreamLogHandler renders all metadata
/// again on each such set (the figures: bench/README.md, "What the benchmark found").
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider) { line in
            // One write per line, so lines from several threads never interleave.
            try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
        }
    }

    /// Writes each line through `write`, which receives it with its newline.
    init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let own = event.metadata { fields.merge(own) { _, new in new } }
        var line = "{\"time\":\(JSONText.string(Date().formatted(.iso8601)))"
        line += ",\"level\":\(JSONText.string(event.level.rawValue)),\"label\":\(JSONText.string(label))"
        line += ",\"message\":\(JSONText.string(event.message.description))"
        // The four fields above win: a metadata key of the same name is left out, not doubled.
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            line += ",\(JSONText.string(key)):\(Self.json(value))"
        }
        write(line + "}\n")
    }

    static let reserved: Set = ["time", "level", "label", "message"]

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return JSONText.string(text)
        case .stringConvertible(let convertible): return JSONText.string(convertible.description)
        case .array(let values): return "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let members):
            return "{"
                + members.sorted { $0.key < $1.key }.map { JSONText.string($0.key) + ":" + json($0.value) }
                .joined(separator: ",") + "}"
        }
    }
}
