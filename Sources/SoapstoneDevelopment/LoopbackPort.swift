import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// TCP ports on 127.0.0.1 that nothing listens on right now, found by binding a socket there
/// (the port is free again when the probe closes): for the local cluster `dev` starts and for
/// the servers tests start.
public enum LoopbackPort {
    /// A port the kernel picks among the free ones.
    public static func free() throws -> Int {
        guard let port = bind(0) else { throw POSIXError(.EADDRINUSE) }
        return port
    }

    /// The first of `count` consecutive ports that are all free now, for a script that numbers
    /// its servers from one base.
    public static func freeRun(of count: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 20000...60000)
            if (base..<base + count).allSatisfy({ bind($0) != nil }) { return base }
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// The port a probe socket bound to `port` (0: any) got, or nil when it could not bind.
    private static func bind(_ port: Int) -> Int? {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { return nil }
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                Glibc.bind(probe, generic, length) == 0 && getsockname(probe, generic, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
