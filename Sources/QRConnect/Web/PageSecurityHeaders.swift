import Vapor

/// The headers every page and page asset carries.
///
/// - The Content-Security-Policy allows only this origin and no inline script or style, so an
///   injected message can never run or restyle anything; `frame-ancestors 'none'` forbids framing
///   (clickjacking the "activate" button). `connect-src` names, besides `'self'`, the socket origin
///   of `PUBLIC_BASE_URL` (`ws://host` or `wss://host`): the pages' live socket (`/api/chat/ws/`)
///   is same-origin, which `'self'` covers in current browsers, but older ones (Safari among them)
///   do not match `ws:`/`wss:` against `'self'`. No other host is ever allowed.
/// - `Referrer-Policy: no-referrer`: `/q/<token>` URLs hold a code's token; no request may leak it.
/// - `X-Content-Type-Options: nosniff`: a file is only ever what its content type says.
struct PageSecurityHeaders: AsyncMiddleware {
    static func contentSecurityPolicy(publicBaseURL: String) -> String {
        let connect = ["'self'", socketOrigin(of: publicBaseURL)].compactMap { $0 }
        return [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src \(connect.joined(separator: " "))",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    /// `wss://host[:port]` for an `https` URL, `ws://host[:port]` for an `http` one; nil for
    /// anything but a plain host name or IPv4 address (nothing that could widen the policy gets in).
    static func socketOrigin(of publicBaseURL: String) -> String? {
        guard let url = URLComponents(string: publicBaseURL),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host?.lowercased(), !host.isEmpty,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
        else { return nil }
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme == "https" ? "wss" : "ws")://\(host)\(port)"
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let contentSecurityPolicy = Self.contentSecurityPolicy(publicBaseURL: request.application.config.publicBaseURL)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy)
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        // For browsers that predate `frame-ancestors`.
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        return response
    }
}
