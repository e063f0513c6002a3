import Foundation
import SoapstoneCore
import Testing

@Suite("JSON written by hand: audit details and cursors' parts")
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
}
