import Foundation

/// The common-password list shipped with the code (see the file's header for its source).
enum CommonPasswords {
    static func load() throws -> Set<String> {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt") else {
            throw MissingResource(name: "common-passwords.txt")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.lowercased() })
    }
}
