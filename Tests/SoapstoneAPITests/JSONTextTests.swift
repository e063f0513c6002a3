import Foundation
import SoapstoneCore
import SoapstoneDatabase
import Testing

@testable import SoapstoneAPI

@Suite("JSON written by hand: audit details and cursors")
struct JSONTextTests {
    static let awkward = [
        "", "plain", "quote \" and backslash \\", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}\u{2029}",
        "ação ÅNGSTRÖM", "e\u{301}", "🩺👩🏽‍⚕️", "</script>", "{\"not\":\"an object\"}",
    ]

    @Test("Strings read back as written by Foundation's decoder, every awkward character included")
    func stringsRoundTrip() throws {
        for text in Self.awkward {
            let json = JSONText.string(text)
            #expect(try JSONDecoder().decode(String.self, from: Data(json.utf8)) == text, "\(json)")
        }
        #expect(JSONText.string("\u{1}") == "\"\\u0001\"")
    }

    @Test("Objects read back as the same dictionary, keys in order; arrays keep their order")
    func objectsAndArrays() throws {
        let members = Dictionary(
            uniqueKeysWithValues: Self.awkward.enumerated().map { ("k\($0.offset)\($0.element)", $0.element) })
        let object = JSONText.object(members)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(object.utf8)) == members)
        #expect(JSONText.object(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
        #expect(JSONText.object([:]) == "{}")
        #expect(try JSONDecoder().decode([String].self, from: Data(JSONText.array(Self.awkward).utf8)) == Self.awkward)
    }

    @Test("Cursors survive the trip to the client and back; anything else is refused on `cursor`")
    func cursors() throws {
        for _ in 0..<20 {
            let patient = PatientCursor(id: UUID())
            #expect(try PatientCursor(opaque: patient.opaque) == patient)
            #expect(!patient.opaque.contains(where: { "+/=".contains($0) }))
        }
        let event = AuditEventCursor(microseconds: -1_234_567, id: UUID())
        #expect(try AuditEventCursor(opaque: event.opaque) == event)

        let foreign = [
            "", "not base64!", Data("{}".utf8).base64URLEncodedString, Data(#"["a","b"]"#.utf8).base64URLEncodedString,
            Data(#"["a","b","not-a-uuid"]"#.utf8).base64URLEncodedString, event.opaque,
        ]
        for text in foreign {
            #expect(throws: DomainError.self, "\(text)") { try PatientCursor(opaque: text) }
        }
        #expect(throws: DomainError.self) {
            try AuditEventCursor(opaque: PatientCursor(id: UUID()).opaque)
        }
    }
}
