import Foundation
import SoapstoneAPI
import SoapstoneDatabase
import SoapstoneDevelopment
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP client that sends raw bytes, for what no HTTP client library does on purpose: stop
/// half-way. Blocking reads run on Dispatch's threads, never on Swift's cooperative pool.
final class RawConnection: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(descriptor) }

    /// Ends the connection from this side too (the server's close waits for it).
    func hangUp() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// The first bytes the server sends within `seconds`, or nil when it sends none by then.
    func firstBytes(within seconds: Int) async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var limit = timeval(tv_sec: seconds, tv_usec: 0)
                setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = recv(self.descriptor, &buffer, buffer.count, Int32(MSG_PEEK))
                continuation.resume(returning: count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil)
            }
        }
    }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(descriptor, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection: nil if it did not close it
    /// within the read limit.
    func readUntilClosed() async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var limit = timeval(tv_sec: 20, tv_usec: 0)
                setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                var received = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(self.descriptor, &buffer, buffer.count, 0)
                    if count > 0 {
                        received += buffer.prefix(count)
                        continue
                    }
                    continuation.resume(returning: count == 0 ? String(decoding: received, as: UTF8.self) : nil)
                    return
                }
            }
        }
    }
}

@Suite("Connection limits")
struct ConnectionLimitsTests {
    @Test("Half-sent headers, an idle keep-alive and a stalled upload are each closed after the idle timeout")
    func stalledClientsAreClosed() async throws {
        let app = try await TestApp.make(.migrated) { $0.idleTimeout = .seconds(1) }
        try await app.serve { port in
            let halfHeaders = try RawConnection(port: port)
            halfHeaders.send("GET /health HTTP/1.1\r\nHost: soapstone\r\nX-Slow: ")
            let keepAlive = try RawConnection(port: port)
            keepAlive.send("GET /health HTTP/1.1\r\nHost: soapstone\r\n\r\n")
            let upload = try RawConnection(port: port)
            upload.send(
                "POST /v1/auth/login HTTP/1.1\r\nHost: soapstone\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"tenant\": \"")
            let half = await halfHeaders.readUntilClosed()
            #expect(half != nil, "half-sent headers: still open")
            let idle = await keepAlive.readUntilClosed()
            #expect(idle?.hasPrefix("HTTP/1.1 200") == true, "keep-alive: \(idle ?? "still open")")
            #expect(await upload.readUntilClosed() != nil, "stalled upload: still open")
        }
    }

    // Both ways a body is framed: only a request with neither has no body to wait for.
    @Test(
        "A body that does not arrive within its time answers 408 and the connection is closed",
        arguments: ["Content-Length: 100\r\n\r\n{", "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n"])
    func slowBodyAnswers408(framing: String) async throws {
        let app = try await TestApp.make(.migrated) {
            $0.idleTimeout = .seconds(30)
            $0.bodyReadTimeout = .seconds(1)
        }
        try await app.serve { port in
            let upload = try RawConnection(port: port)
            upload.send(
                "POST /v1/auth/login HTTP/1.1\r\nHost: soapstone\r\nContent-Type: application/json\r\n\(framing)")
            let answer = await upload.readUntilClosed()
            #expect(answer?.hasPrefix("HTTP/1.1 408") == true, "\(answer ?? "still open")")
            #expect(answer?.contains("application/problem+json") == true)
        }
    }

    @Test("Beyond the connection limit a client waits until a connection closes")
    func connectionLimit() async throws {
        // Served as `soapstone serve` runs it: HummingbirdTesting's live server rebuilds the
        // configuration without its connection limit (ApplicationConfiguration.with(address:)).
        let port = try LoopbackPort.free()
        let app = try await TestApp.make(.migrated) {
            $0.maximumConnections = 1
            $0.idleTimeout = .seconds(30)
            $0.port = port
        }
        let server = Task { try await buildApplication(app.configuration()).run() }
        defer { server.cancel() }
        var probe: RawConnection?
        while probe == nil {
            probe = try? RawConnection(port: port)
            if probe == nil { await Task.yield() }
        }
        probe = nil  // its close frees the one connection again
        do {
            // Answered, so accepted: an idle keep-alive that holds the one connection.
            let first = try RawConnection(port: port)
            first.send("GET /health HTTP/1.1\r\nHost: soapstone\r\n\r\n")
            #expect(await first.firstBytes(within: 20)?.hasPrefix("HTTP/1.1 200") == true)
            let second = try RawConnection(port: port)
            second.send("GET /health HTTP/1.1\r\nHost: soapstone\r\nConnection: close\r\n\r\n")
            // /health answers in milliseconds; two seconds of silence mean it was not accepted.
            #expect(await second.firstBytes(within: 2) == nil, "served while the first held the only connection")
            first.send("GET /health HTTP/1.1\r\nHost: soapstone\r\nConnection: close\r\n\r\n")
            #expect(await first.readUntilClosed() != nil)
            first.hangUp()
            let answer = await second.readUntilClosed()
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "\(answer ?? "no answer")")
        }
    }
}
