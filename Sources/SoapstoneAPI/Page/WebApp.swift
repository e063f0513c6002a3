import Foundation
import HTTPTypes
import Hummingbird

/// The web page for clinicians: plain HTML, CSS and ES modules from the bundle's `Web` folder,
/// read once at start. `/` is the page (with its timings written into it); `/app/…` its files.
/// The page uses the public API only.
struct WebApp: Sendable {
    /// How the page paces itself: the idle logout, and when the note editor keeps a version
    /// (after a pause in typing, and at least this often while typing goes on).
    struct Timing: Sendable {
        var idle: TimeInterval
        var autosavePause: TimeInterval
        var autosaveAtMost: TimeInterval
    }

    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    let page: ByteBuffer
    let assets: [String: Asset]

    init(timing: Timing) throws {
        guard let folder = Bundle.module.url(forResource: "Web", withExtension: nil) else {
            throw WebAppError("the Web folder is missing from the SoapstoneAPI bundle")
        }
        let template = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        page = ByteBuffer(
            string: template.replacingOccurrences(of: "{{IDLE_SECONDS}}", with: String(Int(timing.idle)))
                .replacingOccurrences(of: "{{AUTOSAVE_PAUSE_SECONDS}}", with: String(timing.autosavePause))
                .replacingOccurrences(of: "{{AUTOSAVE_MOST_SECONDS}}", with: String(timing.autosaveAtMost)))
        var assets: [String: Asset] = [:]
        let app = folder.appendingPathComponent("app")
        let files = FileManager.default.enumerator(at: app, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard let type = Self.contentTypes[file.pathExtension] else { continue }
            let path = "/app/" + file.path.dropFirst(app.path.count + 1)
            assets[path] = Asset(body: ByteBuffer(bytes: try Data(contentsOf: file)), contentType: type)
        }
        self.assets = assets
    }

    static let contentTypes = ["js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"]

    func register(on router: Router<some RequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: page))
        }
        router.get("/app/**") { request, _ in
            guard let asset = assets[request.uri.path] else { throw HTTPError(.notFound) }
            return Response(
                status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                body: .init(byteBuffer: asset.body))
        }
    }
}
