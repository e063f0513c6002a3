import Foundation
import Logging
import Synchronization
import Testing

@testable import SoapstoneAPI

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let written = Mutex<[String]>([])
        var all: [String] { written.withLock { $0 } }
    }

    func logger(_ lines: Lines, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "soapstone") { label in
            JSONLogHandler(label: label) { line in lines.written.withLock { $0.append(line) } }
        }
        logger.logLevel = level
        return logger
    }

    @Test("One JSON object per line: time, level, label, message, and the metadata as fields")
    func oneObjectPerLine() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "request_id"] = "abc-123"
        logger.info(
            "request \"quoted\"\nsecond line",
            metadata: [
                "status": .stringConvertible(201), "route": "/v1/patients/{id}", "nested": ["a": ["1", "2"]],
                "message": "a metadata field may not replace the message",
            ])
        let line = try #require(lines.all.first)
        #expect(lines.all.count == 1 && line.hasSuffix("}\n") && line.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "soapstone")
        #expect(object["message"] as? String == "request \"quoted\"\nsecond line")
        #expect(object["request_id"] as? String == "abc-123")
        #expect(object["status"] as? String == "201")
        #expect(object["route"] as? String == "/v1/patients/{id}")
        #expect((object["nested"] as? [String: [String]])?["a"] == ["1", "2"])
        let time = try #require(object["time"] as? String)
        #expect(ISO8601DateFormatter().date(from: time) != nil, "\(time)")
    }

    @Test("Setting metadata writes nothing; lines below the level are not written")
    func quietUntilALine() {
        let lines = Lines()
        var logger = logger(lines, level: .error)
        for id in 0..<100 { logger[metadataKey: "psql_connection_id"] = "\(id)" }
        logger.info("not at this level")
        #expect(lines.all.isEmpty)
        logger.error("written")
        #expect(lines.all.count == 1 && lines.all[0].contains("\"psql_connection_id\":\"99\""))
    }
}
